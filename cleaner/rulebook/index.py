"""Which rule file a host belongs to: one domain-index type for shipped, user and imported files.

A site file claims domains for the host itself (``exact``) and for the hosts
below it (``parent``), as its ``subdomains`` mode says. A lookup walks from
the host up to its registrable domain by the public suffix list (tldextract's
bundled snapshot, never fetched): ``news.example.co.uk`` tries itself and
``example.co.uk``, never ``co.uk``. The imported FiveFilters files (~1,900
under ``rules/ftr``) are too many to parse at every start, so the importer
writes their index as ``index.json`` and a lookup parses only the file a host
needs (:class:`FtrIndex`).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Generic, Iterable, Iterator, Mapping, TypeVar

from .rulefile import RuleError, RuleFile, load_rule_file

INDEX_NAME = "index.json"
INDEX_FORMAT = 1
_IP_ADDRESS = re.compile(r"\d+(?:\.\d+){3}|\[?[0-9a-f:]*:[0-9a-f:.]*\]?")

K = TypeVar("K")


@lru_cache(maxsize=1)
def _public_suffixes():
    """tldextract on its bundled snapshot of the public suffix list: no fetch, no cache folder.

    Imported here, not at the top: tldextract brings requests (~0.25 s), and
    only documents with a URL need it (``cleaner check`` on plain text never does).
    Only the ICANN section counts, tldextract's default: ``blogspot.com``
    is then a site whose subdomains are its blogs, as a site file for it expects.
    """
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=4096)
def public_suffix(host: str) -> str:
    """The host's public suffix (``co.uk`` of ``news.example.co.uk``); '' for an IP address or a bare name.

    A last label the list does not know (``intranet.corp``) counts as a suffix
    of its own, as a top-level domain would.
    """
    host = host.lower().strip(".")
    if "." not in host or _IP_ADDRESS.fullmatch(host):
        return ""
    return _public_suffixes()(host).suffix or host.rsplit(".", 1)[1]


def registrable_domain(host: str) -> str | None:
    """The domain one registrant owns (``example.co.uk`` of ``news.example.co.uk``): the site of a host.

    The host itself for an IP address or a name without dots; None for a
    public suffix (``co.uk``), which is nobody's site.
    """
    host = host.lower().strip(".")
    suffix = public_suffix(host)
    if not suffix:
        return host or None
    if host == suffix:
        return None
    return ".".join(host.split(".")[-(suffix.count(".") + 2):])


def candidate_domains(host: str) -> list[str]:
    """The host, then each parent domain down to the registrable one (``a.b.example.com`` -> ... ``example.com``)."""
    host = host.lower().strip(".")
    site = registrable_domain(host)
    if site is None:
        return []
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - site.count("."))]


def claims(domains: Iterable[str], subdomains: str) -> Iterator[tuple[bool, str]]:
    """(exact, domain) for each role a file's domain takes: the host itself, its subdomains, or both.

    ``include`` (default) both; ``exclude`` the listed hosts only; ``only``
    the subdomains but not the domain itself (FiveFilters' ``.example.com`` files).
    """
    for domain in domains:
        if subdomains != "only":
            yield True, domain
        if subdomains != "exclude":
            yield False, domain


@dataclass(frozen=True)
class DomainIndex(Generic[K]):
    """Domain -> (precedence, key) of the file claiming it, for the host itself and for hosts below it.

    The key is whatever names a file to its owner: a position in a RuleSet's
    sites, a file name in an ftr folder.
    """

    exact: Mapping[str, tuple[int, K]]
    parent: Mapping[str, tuple[int, K]]

    @classmethod
    def build(cls, files: Iterable[tuple[K, int, Iterable[str], str]]) -> DomainIndex[K]:
        """The index of (key, precedence, domains, subdomains mode) entries, given highest precedence first.

        The first file to claim a domain in a role keeps it.
        """
        exact: dict[str, tuple[int, K]] = {}
        parent: dict[str, tuple[int, K]] = {}
        for key, rank, domains, mode in files:
            for is_exact, domain in claims(domains, mode):
                (exact if is_exact else parent).setdefault(domain, (rank, key))
        return cls(exact, parent)

    def lookup(self, host: str) -> tuple[K, str] | None:
        """(key, matched domain) for ``host``, walking parent domains (www.a.b.com -> a.b.com -> b.com).

        Precedence beats specificity: a file of higher precedence naming
        ``reuters.com`` wins over one of lower precedence naming
        ``www.reuters.com``; between equals the most specific domain wins.
        """
        best: tuple[int, K, str] | None = None
        for i, candidate in enumerate(candidate_domains(host)):
            found = (self.exact if i == 0 else self.parent).get(candidate)
            if found is not None and (best is None or found[0] > best[0]):
                best = (found[0], found[1], candidate)
        return (best[1], best[2]) if best else None

    def keys(self) -> set[K]:
        return {key for _, key in (*self.exact.values(), *self.parent.values())}


class FtrIndex:
    """The imported FiveFilters files of one folder, by domain, each file parsed on first use."""

    def __init__(self, directory: Path, domains: DomainIndex[str], digest: str):
        self.directory = directory
        self.domains = domains
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
        ranked = [{domain: (0, name) for domain, name in data[role].items()} for role in ("exact", "parent")]
        return cls(directory, DomainIndex(*ranked), data["digest"])

    def site_for_host(self, host: str) -> tuple[RuleFile, str] | None:
        """(file, matched domain) for ``host``, parsing that one file only."""
        found = self.domains.lookup(host)
        return None if found is None else (self._rule_file(found[0]), found[1])

    def file_names(self) -> list[str]:
        """Every indexed file, for tools that need them all (``cleaner rules test``, the test suite)."""
        return sorted(self.domains.keys())

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
    roles: dict[bool, dict[str, str]] = {True: {}, False: {}}
    digest = hashlib.sha256()
    for file_name in sorted(files):
        for is_exact, domain in claims(*files[file_name]):
            if roles[is_exact].setdefault(domain, file_name) != file_name:
                raise ValueError(f"{file_name} and {roles[is_exact][domain]} both claim {domain}")
        digest.update(f"{file_name}\n".encode())
        digest.update((directory / file_name).read_bytes())
    data = {"format": INDEX_FORMAT, "snapshot": snapshot, "digest": digest.hexdigest(),
            "exact": dict(sorted(roles[True].items())), "parent": dict(sorted(roles[False].items()))}
    path = directory / INDEX_NAME
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
