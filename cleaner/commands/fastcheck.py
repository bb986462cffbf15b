"""``cleaner check`` on files that are clean, without loading the rule engine.

A pre-commit hook mostly sees files that pass. Loading the engine (``regex``,
the compiled rules, the pipeline and its dataclasses) costs about 70 ms, many
times Python's own start-up. This module proves a file clean with the
standard library alone, from the rules' literal gates (gates.py) that the
full check wrote down on its last run (:func:`remember`):

- no line passes the gate (and word cap) of any rule, generic or site, of any
  action: then no rule can fire, wherever the line sits and whatever site
  the file is from (all site files count, so the URL need not be known);
- no line repeats one of the three lines before it: then no line goes as a
  repeat, even once a title or section line has moved to the header.

Then the full check would report nothing, so the answer is "clean" (exit 0).
With the line model on, a text it would judge is never proven so here: only
one whose header says a model judged it already, or one too short for the
model to read.
Anything else (a gate passed, a folder or stdin, an option this parser does not
know, a page or JSONL file by name or a text starting with ``<``, which the
full check may read as HTML, bytes that are not plain UTF-8, rule files, settings or cleaner's own code
changed since the table was written, no table yet) returns "unknown" and the
full check runs as usual. This path never decides what is residue; it can only
say "clean" sooner.

A file starting with front matter is read as the full check reads it: its body
alone when the header is a YAML mapping. The header is taken as one only when
every line is a ``key: value`` in a strict subset of YAML (plain words,
single-quoted strings, flow lists of those, unique keys), which
``cleaner clean`` writes; any other header is checked as text, as the full
check does when a header does not parse.
"""
from __future__ import annotations

import marshal
import os
import re
import sys
import zlib

from ..rulebook.gates import Gate, passes
from ..rulebook.textform import fold, front_matter, normalise
from .checkoptions import OPTIONS

TYPE_CHECKING = False  # typing and the rule classes cost more than this whole path: annotations only
if TYPE_CHECKING:
    from ..rulebook.rulefile import Rule

_FLAGS = {flag: (dest, metavar) for flags, dest, metavar, _ in OPTIONS for flag in flags}
_SETTLED = ("fix", "quiet", "rule_dirs", "no_site_rules", "no_model")  # --fix rewrites nothing in a clean file; rules: the context
NEARBY = 3  # a repeat this close may become adjacent once the title and section lines move out
MAX_BYTES = 4_000_000  # bigger files go the full way: the gain is start-up, not throughput
_SCALAR = r"[\w(/.][\w .,/()+'’&@-]*"  # no ": ", " #" or flow brackets: a plain YAML string
_QUOTED = r"""(?:'(?:[^'\n]|'')*'|"[^"\\\n]*")"""
_ITEM = rf"(?:[\w(/.][\w .()/+'’&-]*|{_QUOTED})"
_HEADER_LINE = re.compile(rf"([A-Za-z_][A-Za-z0-9_]*):(?: (?:{_SCALAR}|{_QUOTED}|\[(?:{_ITEM}(?:, {_ITEM})*)?\]))?")


def proven_clean(argv: list[str]) -> bool:
    """True when every file named in ``cleaner check`` arguments is provably clean."""
    parsed = _arguments(argv)
    if parsed is None:
        return False
    paths, context = parsed
    table = _table(context)
    return table is not None and all(_file_is_clean(path, table) for path in paths)


def remember(rule_dirs: list[str], switches: tuple[bool, bool], rule_roots: list[str], rules: list[Rule],
             model_min_lines: int | None) -> None:
    """Write the gate table for this context after a full check loaded ``rules`` (never fails).

    ``switches``: (--no-site-rules, --no-model); ``model_min_lines``: the model's, None when it is off.
    """
    context = _context(rule_dirs, switches)
    gates = sorted({(-1 if r.max_words is None else r.max_words, r.gate) for r in rules})
    watched = [(path, _signature(path)) for path in _watched(rule_roots)]
    table = {"context": context, "watched": watched, "gates": gates, "model_min_lines": model_min_lines}
    path = _table_path(context)
    from ..atomic import AtomicFile  # a clean file's fast path never writes: it does not pay for this import

    try:
        with AtomicFile(path, binary=True) as handle:
            marshal.dump(table, handle)
    except OSError:  # a read-only cache folder: the full check simply runs every time
        pass


# --- arguments and the table ---

def _arguments(argv: list[str]) -> tuple[list[str], tuple] | None:
    """(file paths, context) for the options this path understands, else None.

    The options are check's own (checkoptions.OPTIONS); one whose destination
    is not in _SETTLED may change the verdict, so it sends the check the full way.
    """
    paths: list[str] = []
    found: dict = {"rule_dirs": [], "no_site_rules": False, "no_model": False}
    words = iter(argv)
    for word in words:
        flag, equals, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        option = _FLAGS.get(flag)
        if option is None:
            if word.startswith("-") or not word:
                return None
            paths.append(word)
        elif option[0] not in _SETTLED or (equals and option[1] is None):
            return None
        elif option[1] is None:
            found[option[0]] = True
        else:
            found[option[0]].append(inline if equals else next(words, ""))
    if not paths or not all(found["rule_dirs"]):
        return None
    return paths, _context(found["rule_dirs"], (found["no_site_rules"], found["no_model"]))


def _context(rule_dirs: list[str], switches: tuple[bool, bool]) -> tuple:
    return (os.getcwd(), tuple(rule_dirs), switches, os.path.dirname(__file__), sys.version)


def _table_path(context: tuple) -> str:
    from ..rulebook.cache import cache_dir

    return os.path.join(cache_dir(), f"check-{zlib.crc32(repr(context).encode()):08x}.marshal")


def _table(context: tuple) -> dict | None:
    """The stored table for ``context`` when nothing it depends on has changed since."""
    try:
        with open(_table_path(context), "rb") as handle:
            table = marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(table, dict) or table.get("context") != context:
        return None
    if any(_signature(path) != signature for path, signature in table["watched"]):
        return None
    return table


def _signature(path: str) -> tuple | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino)


def _watched(rule_roots: list[str]) -> list[str]:
    """Every path whose change could change the rules or this module's answer.

    Rule folders (a folder's mtime changes when a file is added or removed) and
    their files, the settings files commands/settings.py would look for from here up, and
    cleaner's own code.
    """
    code = _code_files(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    folders = [os.path.join(os.path.abspath(root), sub) for root in rule_roots for sub in ("", "generic", "sites", "models")]
    files = [os.path.join(folder, name) for folder in folders if os.path.isdir(folder)
             for name in sorted(os.listdir(folder)) if name.endswith((".yaml", ".json"))]
    files += [os.path.abspath(root) for root in rule_roots if os.path.isfile(root)]  # --rules FILE.yaml
    here, settings = os.getcwd(), []
    while True:
        settings += [os.path.join(here, "cleaner.toml"), os.path.join(here, "pyproject.toml")]
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    return code + folders + files + settings


# --- one file ---

_OTHER_KINDS = (".html", ".htm", ".xhtml", ".jsonl", ".ndjson", ".gz")  # read as pages or records: the full way


def _file_is_clean(path: str, table: dict) -> bool:
    try:
        if path.lower().endswith(_OTHER_KINDS) or not os.path.isfile(path) or os.path.getsize(path) > MAX_BYTES:
            return False
        with open(path, "rb") as handle:
            data = handle.read()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if "\x00" in text or text.startswith("\ufeff") or text.lstrip().startswith("<"):
        return False  # the full check's decoder has a say in these; "<" may start a page read as HTML
    keys, body = _body(text)
    lines = normalise(body).split("\n")
    if not _model_passes(table.get("model_min_lines"), keys, lines):
        return False
    return not _repeats(lines) and not any(_passes_a_gate(line, table["gates"]) for line in lines if line)


def _body(text: str) -> tuple[list[str], str]:
    """The header's keys and the text the full check cleans: the body when the front matter is a mapping it can read."""
    text, header, body = front_matter(text)
    if not header:
        return [], text
    keys = [match.group(1) for match in map(_HEADER_LINE.fullmatch, header) if match]
    return (keys, body) if len(keys) == len(header) and len(set(keys)) == len(keys) else ([], text)


def _model_passes(min_lines: int | None, keys: list[str], lines: list[str]) -> bool:
    """Whether the line model would leave the text alone: it is off, judged it already, or the text is short."""
    return min_lines is None or "model" in keys or sum(1 for line in lines if line) < min_lines


def _repeats(lines: list[str]) -> bool:
    kept = [line.casefold() for line in lines if line]
    return any(line in kept[max(0, i - NEARBY):i] for i, line in enumerate(kept))


def _passes_a_gate(line: str, gates: list[tuple[int, Gate]]) -> bool:
    """Whether any rule could touch this line (its word cap is -1 when it has none)."""
    folded, words = fold(line), line.count(" ") + 1
    return any((cap == -1 or words <= cap) and passes(gate, folded) for cap, gate in gates)


def _code_files(package: str) -> list[str]:
    """cleaner's modules and schema, every subpackage's; the shipped rules are watched as rule folders."""
    found = []
    for folder, dirs, names in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d not in ("rules", "__pycache__"))
        found += [os.path.join(folder, name) for name in sorted(names) if name.endswith((".py", ".json"))]
    return found
