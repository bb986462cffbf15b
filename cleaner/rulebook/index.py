"""Lazy domain index over the imported FiveFilters rule files (``rules/ftr``).

Parsing ~1,900 YAML files with ruamel and validating them with jsonschema at
every start would cost seconds, yet one document needs at most one of them. So
the importer writes ``index.json`` (domain -> file name, per subdomain mode)
next to the files, and a lookup reads that small JSON file once and parses only
the rule file the host needs, caching it.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from .rulefile import RuleError, RuleFile, load_rule_file

INDEX_NAME = "index.json"
INDEX_FORMAT = 1


class FtrIndex:
    """Domain -> rule file maps of one ftr folder, loading each rule file on first use.

    ``exact`` holds the hosts a file matches itself (subdomains include/exclude),
    ``parent`` the domains whose subdomains it matches (include/only): the same
    split as ``RuleSet.exact_index`` / ``RuleSet.parent_index``.
    """

    def __init__(self, directory: Path, exact: Mapping[str, str], parent: Mapping[str, str], digest: str):
        self.directory = directory
        self.exact = dict(exact)
        self.parent = dict(parent)
        self.digest = digest  # sha256 over every indexed file: part of a resume key
        self._loaded: dict[str, RuleFile] = {}

    @classmethod
    def load(cls, directory: str | Path) -> FtrIndex:
        """Read ``directory/index.json``; a missing or foreign index is a RuleError, not a silent miss."""
        directory = Path(directory)
        path = directory / INDEX_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RuleError(path, None, f"cannot read ftr index ({exc}); regenerate with cleaner rules import-ftr") from None
        if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT:
            raise RuleError(path, None, f"not an ftr index of format {INDEX_FORMAT}; regenerate with cleaner rules import-ftr")
        return cls(directory, data["exact"], data["parent"], data["digest"])

    def lookup(self, domain: str, *, exact: bool) -> RuleFile | None:
        """The file for ``domain`` as the host itself (``exact``) or as a parent of the host."""
        file_name = (self.exact if exact else self.parent).get(domain)
        return None if file_name is None else self._rule_file(file_name)

    def site_for_host(self, host: str) -> tuple[RuleFile, str] | None:
        """(file, matched domain) walking parent domains, as ``RuleSet.site_for_host`` does."""
        labels = host.lower().strip(".").split(".")
        for i in range(len(labels) - 1):
            candidate = ".".join(labels[i:])
            found = self.lookup(candidate, exact=i == 0)
            if found is not None:
                return found, candidate
        return None

    def file_names(self) -> list[str]:
        """Every indexed file, for tools that need them all (``cleaner rules test``, the test suite)."""
        return sorted(set(self.exact.values()) | set(self.parent.values()))

    def _rule_file(self, file_name: str) -> RuleFile:
        if file_name not in self._loaded:
            path = self.directory / file_name
            self._loaded[file_name] = load_rule_file(path, f"ftr/{path.stem}")
        return self._loaded[file_name]


@lru_cache(maxsize=8)
def _index_for(directory: str) -> FtrIndex:
    return FtrIndex.load(directory)


def load_index(ftr_dir: str | Path) -> FtrIndex:
    """The index of ``ftr_dir``, read once per process (its rule files stay cached with it)."""
    return _index_for(_resolved(str(ftr_dir)))


@lru_cache(maxsize=16)
def _resolved(ftr_dir: str) -> str:
    return str(Path(ftr_dir).resolve())  # a few syscalls: once per folder, not once per page


def ftr_site_for_host(host: str, ftr_dir: str | Path) -> RuleFile | None:
    """The imported FiveFilters file for ``host``, or None; parses at most that one file."""
    found = load_index(ftr_dir).site_for_host(host)
    return found[0] if found else None


def write_index(directory: Path, files: Mapping[str, tuple[list[str], str]], snapshot: str) -> Path:
    """Write ``index.json`` for ``files`` (file name -> (domains, subdomains mode)).

    Raises ValueError when two files claim the same domain in the same role,
    because the lookup could then not say which one wins.
    """
    exact: dict[str, str] = {}
    parent: dict[str, str] = {}
    digest = hashlib.sha256()
    for file_name in sorted(files):
        domains, mode = files[file_name]
        for domain in domains:
            roles = ([exact] if mode != "only" else []) + ([parent] if mode != "exclude" else [])
            for role in roles:
                if role.setdefault(domain, file_name) != file_name:
                    raise ValueError(f"{file_name} and {role[domain]} both claim {domain}")
        digest.update(f"{file_name}\n".encode())
        digest.update((directory / file_name).read_bytes())
    data = {"format": INDEX_FORMAT, "snapshot": snapshot, "digest": digest.hexdigest(),
            "exact": dict(sorted(exact.items())), "parent": dict(sorted(parent.items()))}
    path = directory / INDEX_NAME
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
