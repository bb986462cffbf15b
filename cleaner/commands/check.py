"""``cleaner check``: a pre-commit hook and pipeline step that fails on residue, and ``--fix`` that cleans.

It handles exactly the inputs ``cleaner clean`` handles, each in its own format:

- text and markdown: the residue rules take out of the body (drop, strip,
  cut, repeated short lines, the line model), by line of the file, front
  matter included. Lines that would *move* to the header (title, section,
  credits, captions, bylines) are article metadata, not residue, so the
  output of ``cleaner clean`` always passes. ``--fix`` rewrites the file in
  cleaner's ``md`` form (header + clean body, as ``clean --in-place``);
- HTML: what the HTML mode would remove (DOM rules, then the rules on the
  extracted text), at the first line of the file where the removed text
  stands (its first words; else the ``<body>`` line). ``--fix`` never turns
  a page into another format: it refuses, and the file stays as it is;
- JSONL: each record as ``clean`` reads it, reported at the record's line.
  ``--fix`` rewrites the lines of records with residue in place, as
  ``clean`` writes a record (the clean body in the text field, the
  ``cleaner`` object beside it, every other field kept); other lines stay
  byte for byte. A record whose HTML has residue cannot be fixed so: refused.

``--fix`` writes only what it read for certain: a UTF-8 file (with or
without BOM) whose front matter, if any, parses. A file decoded by guessing,
in another encoding, gzipped, or with a broken header is refused with a
one-line reason and left byte-identical. ``-`` reads standard input (its kind
sniffed); with ``--fix`` the fixed text goes to standard output.

Inputs are read as ``clean`` reads them: regular files only (a FIFO is an
error, never opened), at most ``stages/reading.MAX_INPUT_BYTES``; folders
are walked with clean's selection (input types, .gitignore, --include,
--exclude).

Exit codes (as ruff's): 0 clean, 1 residue found (fixed or not), 2 usage
error, rule-file or settings error, or a file that cannot be read or written.

Start-up matters here (pre-commit runs this on every commit): a file that
fastcheck can prove clean never reaches this module; otherwise this module
and what it imports avoid click, rich, jsonschema, trafilatura, lxml and
dask (HTML input loads the HTML stage when it meets a page), and rules come
from the compiled-rules cache.
"""
from __future__ import annotations

import argparse
import codecs
import html as html_text
import sys
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Iterator, Sequence

from ..atomic import write_atomic
from ..batch.files import iter_inputs
from ..batch.model import Selection
from ..rulebook.rulefile import RuleError
from ..rulebook.ruleset import RuleSet, load_ruleset, shipped_rules_dir, without_kinds
from ..rulebook.textform import front_matter
from ..stages.document import Document, Source
from ..stages.pipeline import clean_source
from ..stages.reading import InputError, is_html_name, is_jsonl_name, read_raw, sources_from_bytes, unpack
from ..stages.render import EVERY_FIELD, render
from .checkoptions import OPTIONS
from .fastcheck import remember
from .settings import ConfigError, load_config
from .stream import STDIN, read_stdin, stdin_name


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


class Refusal(Exception):
    """Why --fix leaves a file as it is; str() is the one-line reason."""


@dataclass
class Checked:
    """One input file, read and cleaned: its documents with their residue."""

    path: str
    name: PurePath  # tells its kind, as clean reads it
    data: bytes  # as stored (gzipped, perhaps)
    documents: list[tuple[Source, Document, list[Hit]]]

    @property
    def hits(self) -> list[Hit]:
        return [hit for _, _, hits in self.documents for hit in hits]


def check_text(text: str, ruleset: RuleSet, path: str = "-") -> tuple[Document, list[Hit]]:
    """Clean ``text`` (its body, if it has front matter) and list the residue by file line."""
    from ..stages.reading import source_from_text

    source = source_from_text(text, path=path)
    document = clean_source(source, ruleset)
    return document, _text_hits(path, document)


def _text_hits(path: str, document: Document, line: int | None = None) -> list[Hit]:
    """Residue of a text document at its lines of the file (``line``: a JSONL record's, for all)."""
    return [Hit(path, line or r.line, r.rule, r.kind, r.text) for r in document.removals if r.action != "header"]


def _html_hits(path: str, markup: str, document: Document, line: int | None = None) -> list[Hit]:
    """What the HTML mode removes from a page (DOM rules, then text rules), at the page's lines.

    ``line``: a JSONL record's, for all (its HTML is one field of one line).
    """
    where = (lambda text: line) if line is not None else _LineFinder(markup).line_of
    dom = [Hit(path, where(d.text), f"{d.rule_file}/html", d.kind, d.text) for d in document.dom_removals]
    text = [Hit(path, where(r.text), r.rule, r.kind, r.text) for r in document.removals if r.action != "header"]
    return sorted(dom + text, key=lambda hit: hit.line)


class _LineFinder:
    """The line of a page where a removed text begins: its first words, entities decoded, spaces folded."""

    def __init__(self, markup: str):
        self.lines = [" ".join(html_text.unescape(line).split()).casefold() for line in markup.split("\n")]
        self.body = next((i + 1 for i, line in enumerate(self.lines) if "<body" in line), 1)

    def line_of(self, text: str) -> int:
        words = text.split()
        for count in (8, 4, 2, 1):
            probe = " ".join(words[:count]).casefold()
            if probe and (count > 1 or len(probe) >= 4):
                found = next((i + 1 for i, line in enumerate(self.lines) if probe in line), None)
                if found is not None:
                    return found
        return self.body


def _record_line(source: Source) -> int:
    """A JSONL record's line in its file (its Source is named ``path:LINE``)."""
    return int((source.path or "").rsplit(":", 1)[-1])


def check_bytes(data: bytes, name: PurePath, shown: str, ruleset: RuleSet, fields: dict[str, str]) -> Checked:
    """Read ``data`` as clean reads a file called ``name`` and list each document's residue."""
    documents = []
    for source in sources_from_bytes(data, name, display=shown, fields=fields, on_error=_warn):
        document = clean_source(source, ruleset)
        line = _record_line(source) if source.record is not None else None
        if source.html is not None:
            hits = _html_hits(shown, source.html, document, line)
        else:
            hits = _text_hits(shown, document, line)
        documents.append((source, document, hits))
    return Checked(shown, name, data, documents)


def _warn(error: InputError) -> None:
    print(f"warning: {error}", file=sys.stderr)


# --- --fix ---

def fixed_text(checked: Checked) -> str:
    """The file's text after --fix, in its own format; Refusal when it cannot be written back so."""
    if checked.data.startswith(b"\x1f\x8b"):
        raise Refusal("gzipped; --fix writes plain files only (cleaner clean writes a cleaned copy)")
    if is_jsonl_name(checked.name):
        text, bom = _certain_text(checked.data)
        return bom + _fixed_records(text, checked)
    (source, document, _), = checked.documents
    if source.html is not None:
        raise Refusal("HTML is not rewritten into another format; cleaner clean FILE -o OUT writes its article")
    text, bom = _certain_text(checked.data)
    if front_matter(text)[1] is not None and not source.prior:
        raise Refusal("its front matter does not parse as a YAML mapping; fix the header first")
    return bom + render(document, "md")


def _certain_text(data: bytes) -> tuple[str, str]:
    """(text, BOM to write back) when ``data`` is UTF-8 for certain; Refusal for a guessed or other encoding."""
    bom = "\ufeff" if data.startswith(codecs.BOM_UTF8) else ""
    try:
        return data[len(codecs.BOM_UTF8) if bom else 0:].decode("utf-8"), bom
    except UnicodeDecodeError:
        raise Refusal("not valid UTF-8, so its decoding is a guess; --fix writes only what it read for certain") from None


def _fixed_records(text: str, checked: Checked) -> str:
    """The JSONL text with each record that has residue replaced by its cleaned record, on its own line."""
    lines = text.split("\n")
    for source, document, hits in checked.documents:
        if not hits:
            continue
        number = _record_line(source)
        if source.html is not None:
            raise Refusal(f"the record at line {number} has residue in its HTML; "
                          "--fix rewrites text fields only (cleaner clean writes cleaned records)")
        ending = "\r" if lines[number - 1].endswith("\r") else ""
        lines[number - 1] = render(document, "jsonl", EVERY_FIELD).rstrip("\n") + ending
    return "\n".join(lines)


# --- the command ---

def _files(paths: Sequence[str], selection: Selection) -> Iterator[str | Path]:
    for given in paths:
        if given == STDIN:
            yield STDIN
        elif Path(given).is_dir():
            yield from (path for path, _ in iter_inputs([given], selection=selection))
        else:
            yield Path(given)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cleaner check", description="Fail when scraped-text residue is present; --fix cleans in place.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="text, markdown, HTML or JSONL files, folders, or -")
    for flags, dest, metavar, text in OPTIONS:  # fastcheck reads argv with the same declaration
        if metavar is None:
            parser.add_argument(*flags, dest=dest, action="store_true", help=text)
        else:
            parser.add_argument(*flags, dest=dest, action="append", default=[], metavar=metavar, help=text)
    return parser


def _ruleset(args: argparse.Namespace, config) -> RuleSet:
    """The rules in force; their gates are written down for fastcheck's next run."""
    site_rules = config.site_rules and not args.no_site_rules
    user_dirs = [*config.rules, *args.rule_dirs]
    model = config.model and not args.no_model
    ruleset = without_kinds(load_ruleset(user_dirs, site_rules=site_rules, model=model), config.exclude_kinds)
    remember(args.rule_dirs, (args.no_site_rules, args.no_model), [str(shipped_rules_dir()), *map(str, user_dirs)],
             [*ruleset.generic_rules, *(rule for site in ruleset.sites for rule in site.rules)],
             ruleset.model.decision.min_lines if ruleset.model else None)
    return ruleset


def _read(path: str | Path) -> tuple[bytes, PurePath]:
    """(bytes, the name that tells their kind): a regular file within the input limit, or standard input."""
    if path == STDIN:
        data = read_stdin()
        return data, stdin_name(unpack(data, STDIN))
    return read_raw(path), path


def _check_one(path: str | Path, ruleset: RuleSet, args: argparse.Namespace, fields: dict[str, str]) -> int:
    """0 clean, 1 residue (reported, fixed or refused), 2 unreadable or unwritable."""
    try:
        data, name = _read(path)
        checked = check_bytes(data, name, str(path), ruleset, fields)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not checked.hits:
        if args.fix and path == STDIN:
            sys.stdout.buffer.write(data)
        return 0
    if args.fix:
        return _fix(path, checked, args)
    if not args.quiet:
        print("\n".join(map(str, checked.hits)))
    return 1


def _fix(path: str | Path, checked: Checked, args: argparse.Namespace) -> int:
    try:
        text = fixed_text(checked)
    except Refusal as exc:  # the residue stays, so it is listed as without --fix
        print(f"{path}: not fixed: {exc}", file=sys.stderr)
        if path == STDIN:
            sys.stdout.buffer.write(checked.data)
        elif not args.quiet:
            print("\n".join(map(str, checked.hits)))
        return 1
    if path == STDIN:
        sys.stdout.write(text)
        return 1
    try:
        write_atomic(Path(path), text)
    except OSError as exc:
        print(f"error: {path}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(f"Fixing {path}")
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """``cleaner check [--fix] PATH...``; returns the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if args.paths.count(STDIN) > 1:
        print("error: '-' (standard input) can be named once", file=sys.stderr)
        return 2
    try:
        config = load_config()
        ruleset = _ruleset(args, config)
    except (RuleError, ConfigError) as exc:
        print("\n".join(f"error: {line}" for line in str(exc).splitlines()), file=sys.stderr)  # a problem a line
        return 2
    selection = Selection(include=tuple(args.include), exclude=tuple(args.exclude), ignore_files=not args.no_ignore)
    code = 0
    for path in _files(args.paths, selection):
        code = max(code, _check_one(path, ruleset, args, config.fields))
    return code
