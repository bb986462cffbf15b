"""``cleaner check``: a pre-commit hook and pipeline step that fails on residue, and ``--fix`` that cleans.

What counts as residue: every line or fragment that rules take out of the
body (drop, strip, cut, and repeated short lines). Lines that would *move* to
the header (title, section, credits, captions, bylines) do not count: they
are article metadata, not boilerplate. A scraper's plain text legitimately
starts with its headline, and a file cleaned by ``cleaner clean`` already has
them in its header. So the output of ``cleaner clean`` always passes.

A file starting with a YAML front matter block (``---``; cleaner's own header
or another tool's) is checked on its body, with its ``url`` used to pick site
rules; reported line numbers are lines of the file, header included.

``--fix`` rewrites a file that has residue, atomically, in cleaner's ``md``
form (the header with metadata, then the clean body: the same as
``cleaner clean --in-place``), prints ``Fixing <path>`` and exits 1, as
pre-commit's fixers do. A file without residue is never rewritten.

Exit codes (as ruff's): 0 clean, 1 residue found (or fixed), 2 usage error,
rule-file or settings error, or a file that cannot be read.

Start-up matters here (pre-commit runs this on every commit): a file that
fastcheck can prove clean never reaches this module; otherwise this module
and what it imports avoid click, rich, jsonschema, trafilatura, lxml and
dask, and rules come from the compiled-rules cache (rulecache).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from ..atomic import write_atomic
from ..batch.files import iter_inputs
from ..rulebook.rulefile import RuleError
from ..rulebook.ruleset import RuleSet, load_ruleset, shipped_rules_dir, without_kinds
from ..rulebook.textform import normalise
from ..stages.document import Document
from ..stages.pipeline import clean_source
from ..stages.reading import InputError, decode, source_from_text
from ..stages.render import render
from .checkoptions import OPTIONS
from .fastcheck import remember
from .settings import ConfigError, load_config


@dataclass(frozen=True)
class Hit:
    """One piece of residue, where it is in the file and which rule found it."""

    path: str
    line: int  # 1-based line of the file
    rule: str
    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule} {self.kind}: {self.text}"


def line_map(body: str) -> list[int]:
    """For each line of ``normalise(body)``, the 1-based line of ``body`` it came from.

    Mirrors normalise(): blank lines after a blank line and leading blank
    lines disappear there, so later line numbers shift.
    """
    mapping: list[int] = []
    previous_blank = True
    for number, raw in enumerate(body.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        blank = not normalise(raw)
        if not blank or not previous_blank:
            mapping.append(number)
        previous_blank = blank
    return mapping


def check_text(text: str, ruleset: RuleSet, path: str = "-") -> tuple[Document, list[Hit]]:
    """Clean ``text`` (its body, if it has front matter) and list the residue by file line."""
    source = source_from_text(text, path=path)
    offset = text[: len(text) - len(source.text)].count("\n")  # front matter lines above the body
    document = clean_source(source, ruleset)
    mapping = line_map(source.text)
    hits = [Hit(path, offset + (mapping[r.line - 1] if r.line <= len(mapping) else r.line), r.rule, r.kind, r.text)
            for r in document.removals if r.action != "header"]
    return document, hits


def fix_file(path: Path, document: Document) -> None:
    """Rewrite ``path`` as header + clean body, atomically."""
    write_atomic(path, render(document, "md"))


def _files(paths: Sequence[str]) -> Iterator[Path]:
    for given in map(Path, paths):
        if given.is_dir():
            yield from (path for path, _ in iter_inputs([given]))
        else:
            yield given


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cleaner check", description="Fail when scraped-text residue is present; --fix cleans in place.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="text or markdown files, or folders")
    for flags, dest, metavar, text in OPTIONS:  # fastcheck reads argv with the same declaration
        if metavar is None:
            parser.add_argument(*flags, dest=dest, action="store_true", help=text)
        else:
            parser.add_argument(*flags, dest=dest, action="append", default=[], metavar=metavar, help=text)
    return parser


def _ruleset(args: argparse.Namespace) -> RuleSet:
    """The rules in force; their gates are written down for fastcheck's next run."""
    config = load_config()
    site_rules = config.site_rules and not args.no_site_rules
    user_dirs = [*config.rules, *args.rule_dirs]
    model = config.model and not args.no_model
    ruleset = without_kinds(load_ruleset(user_dirs, site_rules=site_rules, model=model), config.exclude_kinds)
    remember(args.rule_dirs, (args.no_site_rules, args.no_model), [str(shipped_rules_dir()), *map(str, user_dirs)],
             [*ruleset.generic_rules, *(rule for site in ruleset.sites for rule in site.rules)],
             ruleset.model.decision.min_lines if ruleset.model else None)
    return ruleset


def _check_one(path: Path, ruleset: RuleSet, args: argparse.Namespace) -> int:
    """0 clean, 1 residue (reported or fixed), 2 unreadable."""
    try:
        data = path.read_bytes()
        text = decode(data, path)
    except OSError as exc:
        print(f"error: {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    document, hits = check_text(text, ruleset, str(path))
    if not hits:
        return 0
    if args.fix:
        fix_file(path, document)
        if not args.quiet:
            print(f"Fixing {path}")
    elif not args.quiet:
        print("\n".join(map(str, hits)))
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """``cleaner check [--fix] PATH...``; returns the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        ruleset = _ruleset(args)
    except (RuleError, ConfigError) as exc:
        print("\n".join(f"error: {line}" for line in str(exc).splitlines()), file=sys.stderr)  # a problem a line
        return 2
    code = 0
    for path in _files(args.paths):
        code = max(code, _check_one(path, ruleset, args))
    return code
