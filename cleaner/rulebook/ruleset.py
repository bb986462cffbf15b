"""Gather rule files from the shipped folder and the user's folders into one RuleSet.

Layout of a rules folder: ``generic/*.yaml`` (packs), ``sites/*.yaml`` (hand-written
site files), ``lexicons/*.yaml`` (words the header grammar reads: lexicons.py).
The shipped folder also has ``ftr/`` (imported FiveFilters files), looked up
lazily through its ``index.json``: ~2,000 files are too many to parse at every
start, and a document needs at most one. Precedence, highest first:
user folders (later ``--rules`` beats earlier), shipped ``sites/``, shipped ``ftr/``.
A user rule with the same qualified id as a shipped one replaces it; a user site
file claiming a domain takes that domain from shipped files.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

from .cache import cached
from .index import load_index
from .lexicons import Lexicons, lexicon_files, load_lexicons
from .linemodel import MODEL_FILE, LineModel, ModelError, load_model
from .rulefile import Rule, RuleError, RuleFile, load_rule_file

SUBFOLDERS = ("generic", "sites")


def shipped_rules_dir() -> Path:
    """The rules inside the installed wheel, or the checkout's ``rules/`` when run from source."""
    package = Path(__file__).parent.parent
    packaged = package / "rules"
    return packaged if packaged.is_dir() else package.parent / "rules"


@dataclass(frozen=True)
class RuleSet:
    """Every loaded rule file, with generic rules resolved and a domain index for sites."""

    files: tuple[RuleFile, ...]
    generic_rules: tuple[Rule, ...]
    sites: tuple[RuleFile, ...]  # highest precedence first
    lexicons: Lexicons  # the words the metadata grammar and learn read (rules/lexicons/)
    exact_index: dict[str, tuple[int, RuleFile]] = field(default_factory=dict)  # host itself
    parent_index: dict[str, tuple[int, RuleFile]] = field(default_factory=dict)  # hosts below the domain
    digest: str = ""  # changes whenever any rule file changes: part of the resume key
    ftr_dir: str | None = None  # imported FiveFilters files, the fallback when no loaded file matches
    model: LineModel | None = None  # the line model judging what the rules kept (None: switched off)

    def site_for_host(self, host: str, *, imported: bool = True) -> tuple[RuleFile, str] | None:
        """The site file for ``host``, walking parent domains (www.a.b.com -> a.b.com -> b.com).

        ``imported=False`` leaves out the imported FiveFilters files: they hold
        DOM rules only, so the text stage has no use for them (and need not
        parse one per new domain).

        Precedence beats specificity: a hand-written ``reuters.com`` file wins
        over an imported file that names ``www.reuters.com``; between files of
        the same precedence the most specific domain wins.
        """
        labels = host.lower().strip(".").split(".")
        best: tuple[int, int, RuleFile, str] | None = None
        for i in range(len(labels) - 1):
            candidate = ".".join(labels[i:])
            found = (self.exact_index if i == 0 else self.parent_index).get(candidate)
            if found is not None and (best is None or found[0] > best[0]):
                best = (found[0], i, found[1], candidate)
        if best:
            return best[2], best[3]
        if self.ftr_dir and imported:
            return load_index(self.ftr_dir).site_for_host(host)
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
            entries.append((path, name, 1))
    for rank, folder in enumerate(user_dirs, start=2):
        folder = Path(folder)
        if not folder.is_dir():
            raise RuleError(folder, None, "rules folder does not exist")
        entries.extend((path, name, rank) for path, name in _files_in(folder))
    return entries


def build_ruleset(entries: list[tuple[RuleFile, int]], lexicons: Lexicons, *, site_rules: bool = True) -> RuleSet:
    """Resolve precedence: later/higher entries override rule ids and claim domains."""
    generic: dict[str, Rule] = {}
    for f, _ in sorted((e for e in entries if not e[0].is_site), key=lambda e: e[1]):
        for rule in f.rules:
            generic[rule.id] = rule
    ranked_sites = sorted((e for e in entries if e[0].is_site), key=lambda e: -e[1]) if site_rules else []
    sites = [f for f, _ in ranked_sites]
    exact: dict[str, tuple[int, RuleFile]] = {}
    parent: dict[str, tuple[int, RuleFile]] = {}
    for f, rank in ranked_sites:
        for domain in f.domains:
            if f.subdomains != "only":
                exact.setdefault(domain, (rank, f))
            if f.subdomains != "exclude":
                parent.setdefault(domain, (rank, f))
    digest = hashlib.sha256()
    for f, rank in entries:
        digest.update(f"{f.name}:{rank}:{f.path}\n".encode())
        digest.update(Path(f.path).read_bytes())
    digest.update(f"{site_rules}|{lexicons.digest}".encode())
    return RuleSet(
        files=tuple(f for f, _ in entries),
        generic_rules=tuple(generic.values()),
        sites=tuple(sites),
        lexicons=lexicons,
        exact_index=exact,
        parent_index=parent,
        digest=digest.hexdigest(),
    )


def model_file(user_dirs: Iterable[str | Path] = (), *, shipped: bool = True) -> Path | None:
    """The line model to use: ``models/lines.json`` of the last folder that has one (yours over shipped)."""
    folders = [*([shipped_rules_dir()] if shipped else []), *map(Path, user_dirs)]
    found = [folder / MODEL_FILE for folder in folders if (folder / MODEL_FILE).is_file()]
    return found[-1] if found else None


def _with_model(ruleset: RuleSet, path: Path) -> RuleSet:
    """The rule set with its model; a model that cannot be used is a RuleError, like a broken rule file."""
    try:
        model = load_model(path)
    except ModelError as error:
        raise RuleError(path, None, str(error).removeprefix(f"{path}: ")) from None
    digest = hashlib.sha256(f"{ruleset.digest}|model\n".encode() + path.read_bytes()).hexdigest()
    return replace(ruleset, model=model, digest=digest)


def load_ruleset(user_dirs: Iterable[str | Path] = (), *, site_rules: bool = True, shipped: bool = True,
                 model: bool = True) -> RuleSet:
    """Load the shipped rules, the user's folders and the line model. Raises RuleError on the first bad file.

    ``model=False`` (``--no-model``) leaves the line model out: the rules alone decide.

    Goes through the compiled-rules cache (rulecache): unchanged rule files are
    not parsed and validated again, which keeps ``cleaner check`` fast. The
    shipped lexicons are read even with ``shipped=False``: they are the
    grammar's words, not rules, and a user folder can still replace them.
    """
    user_dirs = list(user_dirs)
    found = rule_files(user_dirs, shipped=shipped)
    lexicons = lexicon_files(shipped_rules_dir(), user_dirs)
    ftr_index = shipped_rules_dir() / "ftr" / "index.json"
    use_ftr = shipped and site_rules and ftr_index.is_file()
    model_path = model_file(user_dirs, shipped=shipped) if model else None

    def build() -> RuleSet:
        entries = [(load_rule_file(path, name), rank) for path, name, rank in found]
        ruleset = build_ruleset(entries, load_lexicons(lexicons), site_rules=site_rules)
        if use_ftr:
            index = load_index(ftr_index.parent)
            digest = hashlib.sha256(f"{ruleset.digest}|{index.digest}".encode()).hexdigest()
            ruleset = replace(ruleset, ftr_dir=str(ftr_index.parent), digest=digest)
        return _with_model(ruleset, model_path) if model_path else ruleset

    keys = (found + lexicons + ([(ftr_index, "ftr/index", 0)] if use_ftr else [])
            + ([(model_path, "models/lines", 0)] if model_path else []))
    return cached(keys, site_rules, build, expected=RuleSet)
