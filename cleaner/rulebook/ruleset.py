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
from .index import DomainIndex, load_index
from .lexicons import Lexicons, lexicon_files, load_lexicons
from .blockmodel import BLOCK_MODEL_FILE, BlockModel, load_block_model
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
    domains: DomainIndex[int] = field(default_factory=lambda: DomainIndex({}, {}))  # domain -> position of its file in ``sites``
    digest: str = ""  # changes whenever any rule file changes: part of the resume key
    ftr_dir: str | None = None  # imported FiveFilters files, the fallback when no loaded file matches
    model: LineModel | None = None  # the line model judging what the rules kept (None: switched off)
    blocks: BlockModel | None = None  # the HTML judge deciding each candidate block (None: trafilatura alone)
    excluded_kinds: frozenset[str] = frozenset()  # rules of these kinds are left out of every file (without_kinds)

    def site_for_host(self, host: str, *, imported: bool = True) -> tuple[RuleFile, str] | None:
        """The site file for ``host`` and the domain it matched, walking parent domains.

        Loaded files first (precedence beats specificity: index.DomainIndex),
        then the imported FiveFilters files. ``imported=False`` leaves those
        out: they hold DOM rules only, so the text stage has no use for them
        (and need not parse one per new domain). Whichever file it is, it
        comes without the rules of the excluded kinds.
        """
        found = self.domains.lookup(host)
        if found is not None:
            return self.sites[found[0]], found[1]
        if self.ftr_dir and imported:
            imported_file = load_index(self.ftr_dir).site_for_host(host)
            if imported_file is not None:
                return _without(imported_file[0], self.excluded_kinds), imported_file[1]
        return None

    def fingerprinted_sites(self) -> Iterable[RuleFile]:
        return (f for f in self.sites if f.fingerprints)


_trimmed: dict[tuple[int, frozenset[str]], tuple[RuleFile, RuleFile]] = {}


def _without(rule_file: RuleFile, kinds: frozenset[str]) -> RuleFile:
    """``rule_file`` less its rules of ``kinds``; one copy per file and kinds, so identity holds across lookups."""
    if not kinds or not any(rule.kind in kinds for rule in rule_file.rules):
        return rule_file
    key = (id(rule_file), kinds)
    entry = _trimmed.get(key)
    if entry is None or entry[0] is not rule_file:
        if len(_trimmed) > 4096:  # imported files come one per domain; a run meets a few hundred
            _trimmed.clear()
        entry = _trimmed[key] = (rule_file, replace(rule_file, rules=tuple(r for r in rule_file.rules
                                                                            if r.kind not in kinds)))
    return entry[1]


def without_kinds(ruleset: RuleSet, kinds: Iterable[str]) -> RuleSet:
    """The rule set minus every rule of these kinds, in every file however it is matched; the digest says so."""
    excluded = frozenset(kinds) | ruleset.excluded_kinds
    if excluded == ruleset.excluded_kinds:
        return ruleset
    files = {id(f): _without(f, excluded) for f in ruleset.files}
    return replace(
        ruleset,
        files=tuple(files[id(f)] for f in ruleset.files),
        generic_rules=tuple(r for r in ruleset.generic_rules if r.kind not in excluded),
        sites=tuple(files[id(f)] for f in ruleset.sites),
        excluded_kinds=excluded,
        digest=hashlib.sha256(f"{ruleset.digest}|without {sorted(excluded)}".encode()).hexdigest(),
    )


def _files_in(root: Path) -> list[tuple[Path, str]]:
    """(path, qualified name) of every rule file under ``root``, in a stable order."""
    found = []
    for sub in SUBFOLDERS:
        for path in sorted((root / sub).glob("*.yaml")):
            found.append((path, f"{sub}/{path.stem}"))
    for path in sorted(root.glob("*.yaml")):  # a flat user folder
        found.append((path, path.stem))
    return found


def qualified_name(path: Path) -> str:
    """What a rule file's ids are qualified by: ``sites/reuters.com`` inside a ``sites/`` folder, else the stem."""
    return f"{path.parent.name}/{path.stem}" if path.parent.name in SUBFOLDERS else path.stem


def rule_files(user_dirs: Iterable[str | Path] = (), *, shipped: bool = True) -> list[tuple[Path, str, int]]:
    """(path, name, precedence) of every rule file to load; higher precedence wins.

    A user source is a rules folder or one rule file (``--rules learned.yaml``,
    as ruff's ``--config`` takes a file): the file then loads as it would
    from its folder, with the precedence of its place among the sources.
    """
    entries: list[tuple[Path, str, int]] = []
    if shipped:
        for path, name in _files_in(shipped_rules_dir()):
            entries.append((path, name, 1))
    for rank, source in enumerate(user_dirs, start=2):
        source = Path(source)
        if source.is_file() and source.suffix in (".yaml", ".yml"):
            entries.append((source, qualified_name(source), rank))
        elif source.is_dir():
            entries.extend((path, name, rank) for path, name in _files_in(source))
        else:
            raise RuleError(source, None, "rules source is neither a folder nor a .yaml rule file"
                            if source.exists() else "rules folder or file does not exist")
    return entries


def build_ruleset(entries: list[tuple[RuleFile, int]], lexicons: Lexicons, *, site_rules: bool = True) -> RuleSet:
    """Resolve precedence: later/higher entries override rule ids and claim domains."""
    generic: dict[str, Rule] = {}
    for f, _ in sorted((e for e in entries if not e[0].is_site), key=lambda e: e[1]):
        for rule in f.rules:
            generic[rule.id] = rule
    ranked_sites = sorted((e for e in entries if e[0].is_site), key=lambda e: -e[1]) if site_rules else []
    sites = [f for f, _ in ranked_sites]
    domains = DomainIndex.build((i, rank, f.domains, f.subdomains) for i, (f, rank) in enumerate(ranked_sites))
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
        domains=domains,
        digest=digest.hexdigest(),
    )


def model_file(user_dirs: Iterable[str | Path] = (), *, shipped: bool = True, name: Path = MODEL_FILE) -> Path | None:
    """The model to use: ``name`` (``models/lines.json``) of the last folder that has one (yours over shipped)."""
    folders = [*([shipped_rules_dir()] if shipped else []), *map(Path, user_dirs)]
    found = [folder / name for folder in folders if (folder / name).is_file()]
    return found[-1] if found else None


def _with_model(ruleset: RuleSet, path: Path, field: str = "model") -> RuleSet:
    """The rule set with its line (or ``field="blocks"``: block) model; one that cannot be used is a RuleError."""
    try:
        model = load_model(path) if field == "model" else load_block_model(path)
    except ModelError as error:
        raise RuleError(path, None, str(error).removeprefix(f"{path}: ")) from None
    digest = hashlib.sha256(f"{ruleset.digest}|{field}\n".encode() + path.read_bytes()).hexdigest()
    return replace(ruleset, **{field: model}, digest=digest)


def load_ruleset(user_dirs: Iterable[str | Path] = (), *, site_rules: bool = True, shipped: bool = True,
                 model: bool = True) -> RuleSet:
    """Load the shipped rules, the user's folders and the line model. Raises RuleError on the first bad file.

    ``model=False`` (``--no-model``) leaves the line model and the block model out: the rules (and, for HTML,
    trafilatura alone) decide.

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
    blocks_path = model_file(user_dirs, shipped=shipped, name=BLOCK_MODEL_FILE) if model else None

    def build() -> RuleSet:
        entries = [(load_rule_file(path, name), rank) for path, name, rank in found]
        ruleset = build_ruleset(entries, load_lexicons(lexicons), site_rules=site_rules)
        if use_ftr:
            index = load_index(ftr_index.parent)
            digest = hashlib.sha256(f"{ruleset.digest}|{index.digest}".encode()).hexdigest()
            ruleset = replace(ruleset, ftr_dir=str(ftr_index.parent), digest=digest)
        ruleset = _with_model(ruleset, model_path) if model_path else ruleset
        return _with_model(ruleset, blocks_path, "blocks") if blocks_path else ruleset

    keys = (found + lexicons + ([(ftr_index, "ftr/index", 0)] if use_ftr else [])
            + ([(model_path, "models/lines", 0)] if model_path else [])
            + ([(blocks_path, "models/blocks", 0)] if blocks_path else []))
    return cached(keys, site_rules, build, expected=RuleSet)
