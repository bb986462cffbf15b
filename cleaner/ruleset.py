"""Gather rule files from the shipped folder and the user's folders into one RuleSet.

Layout of a rules folder: ``generic/*.yaml`` (packs), ``sites/*.yaml`` (hand-written
site files), ``ftr/*.yaml`` (imported FiveFilters files). Precedence, highest first:
user folders (later ``--rules`` beats earlier), shipped ``sites/``, shipped ``ftr/``.
A user rule with the same qualified id as a shipped one replaces it; a user site
file claiming a domain takes that domain from shipped files.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .rulefile import Rule, RuleError, RuleFile, load_rule_file

SUBFOLDERS = ("generic", "sites", "ftr")


def shipped_rules_dir() -> Path:
    """The rules inside the installed wheel, or the checkout's ``rules/`` when run from source."""
    packaged = Path(__file__).parent / "rules"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "rules"


@dataclass(frozen=True)
class RuleSet:
    """Every loaded rule file, with generic rules resolved and a domain index for sites."""

    files: tuple[RuleFile, ...]
    generic_rules: tuple[Rule, ...]
    sites: tuple[RuleFile, ...]  # highest precedence first
    exact_index: dict[str, RuleFile] = field(default_factory=dict)  # host itself
    parent_index: dict[str, RuleFile] = field(default_factory=dict)  # host below the domain
    digest: str = ""  # changes whenever any rule file changes: part of the resume key

    def site_for_host(self, host: str) -> tuple[RuleFile, str] | None:
        """The site file for ``host``, walking parent domains (www.a.b.com -> a.b.com -> b.com)."""
        labels = host.lower().strip(".").split(".")
        for i in range(len(labels) - 1):
            candidate = ".".join(labels[i:])
            found = (self.exact_index if i == 0 else self.parent_index).get(candidate)
            if found is not None:
                return found, candidate
        return None

    def fingerprinted_sites(self) -> Iterable[RuleFile]:
        return (f for f in self.sites if f.fingerprints)


def _files_in(root: Path) -> list[tuple[Path, str]]:
    """(path, qualified name) of every rule file under ``root``, in a stable order."""
    found = []
    for sub in SUBFOLDERS:
        for path in sorted((root / sub).glob("*.yaml")):
            found.append((path, f"{sub}/{path.stem}"))
    for path in sorted(root.glob("*.yaml")):  # a flat user folder
        found.append((path, path.stem))
    return found


def rule_files(user_dirs: Iterable[str | Path] = (), *, shipped: bool = True) -> list[tuple[Path, str, int]]:
    """(path, name, precedence) of every rule file to load; higher precedence wins."""
    entries: list[tuple[Path, str, int]] = []
    if shipped:
        for path, name in _files_in(shipped_rules_dir()):
            entries.append((path, name, 0 if name.startswith("ftr/") else 1))
    for rank, folder in enumerate(user_dirs, start=2):
        folder = Path(folder)
        if not folder.is_dir():
            raise RuleError(folder, None, "rules folder does not exist")
        entries.extend((path, name, rank) for path, name in _files_in(folder))
    return entries


def build_ruleset(entries: list[tuple[RuleFile, int]], *, site_rules: bool = True) -> RuleSet:
    """Resolve precedence: later/higher entries override rule ids and claim domains."""
    generic: dict[str, Rule] = {}
    for f, _ in sorted((e for e in entries if not e[0].is_site), key=lambda e: e[1]):
        for rule in f.rules:
            generic[rule.id] = rule
    sites = [f for f, _ in sorted((e for e in entries if e[0].is_site), key=lambda e: -e[1])] if site_rules else []
    exact: dict[str, RuleFile] = {}
    parent: dict[str, RuleFile] = {}
    for f in sites:
        for domain in f.domains:
            if f.subdomains != "only":
                exact.setdefault(domain, f)
            if f.subdomains != "exclude":
                parent.setdefault(domain, f)
    digest = hashlib.sha256()
    for f, rank in entries:
        digest.update(f"{f.name}:{rank}:{f.path}\n".encode())
        digest.update(Path(f.path).read_bytes())
    digest.update(str(site_rules).encode())
    return RuleSet(
        files=tuple(f for f, _ in entries),
        generic_rules=tuple(generic.values()),
        sites=tuple(sites),
        exact_index=exact,
        parent_index=parent,
        digest=digest.hexdigest(),
    )


def load_ruleset(user_dirs: Iterable[str | Path] = (), *, site_rules: bool = True, shipped: bool = True) -> RuleSet:
    """Load the shipped rules and the user's folders. Raises RuleError on the first bad file."""
    entries = [(load_rule_file(path, name), rank) for path, name, rank in rule_files(user_dirs, shipped=shipped)]
    return build_ruleset(entries, site_rules=site_rules)
