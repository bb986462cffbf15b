"""Import the FiveFilters Full-Text RSS site configs (ftr-site-config, CC0) as our rule files.

Each ``example.com.txt`` becomes ``example.com.yaml`` in our schema: ``strip``,
``strip_id_or_class`` and ``strip_image_src`` become ``html.remove_xpath``,
``body``/``title``/``author``/``date`` the ``*_xpath`` hints, find/replace the
``html.replace`` pairs, ``test_contains`` a must-stay example. FTR ignores
directives it does not know; we do the opposite: every directive we cannot
honour, every XPath lxml refuses, and every file that yields nothing is listed
in the import report with the reason, so nothing is dropped without a trace.

Parsing follows FTR 3.x / Graby (``SiteConfig``/``ConfigBuilder``): a ``#`` only
starts a comment at the start of a line, a value may be empty (``replace_string:``
replaces with nothing), ``strip_attr`` is an alias of ``strip``, and find and
replace strings are two lists paired by position (``replace_string(find): repl``
appends to both); when their lengths differ FTR applies none, and so do we.
One deliberate difference: FTR splits a line at its first colon, so it silently
loses ``replace_string(a:b): c``; we split the one-line form at the first ``):``,
which is what those lines' authors meant.

Run ``cleaner rules import-ftr SRC_DIR -o OUT_DIR`` to (re)generate ``rules/ftr``; the runtime never imports this module.
"""
from __future__ import annotations

import html
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..rulebook.index import write_index
from ..rulebook.selectors import token_xpath
from ..stages.htmlmeta import split_top_level

IMPORT_MARK = "# Imported from FiveFilters ftr-site-config"
LICENSE = "CC0-1.0"
REPORT_NAME = "IMPORT_REPORT.md"
NOTICE_NAME = "NOTICE.md"
META_FILES = frozenset({"LICENSE.txt", "SOURCE.txt"})  # shipped beside the configs, not configs
DOMAIN_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.[a-z0-9-]+$")  # the schema's $defs/domain

XPATH_KEYS = {"body": "body_xpath", "title": "title_xpath", "author": "author_xpath", "date": "date_xpath"}
STRIP_DIRECTIVES = frozenset({"strip", "strip_attr", "strip_id_or_class", "strip_image_src"})
REPLACE_DIRECTIVES = frozenset({"find_string", "replace_string", "replace_string(...)"})
HTML_KEY_ORDER = ("remove_xpath", "body_xpath", "title_xpath", "author_xpath", "date_xpath", "replace", "tests")

_NO_FETCH = "the cleaner works on pages already fetched"
_ENGINE = "setting of FTR's own extraction engine; trafilatura does its own"
_REWRITE = "DOM rewriting that our html section cannot express"
UNSUPPORTED = {
    "test_url": "live-URL test (such tests rot); our tests live inside the file",
    "prune": _ENGINE, "tidy": _ENGINE, "parser": _ENGINE, "autodetect_on_failure": _ENGINE,
    "skip_json_ld": _ENGINE, "insert_detected_image": _ENGINE, "convert_double_br_tags": _ENGINE,
    "single_page_link": f"multi-page fetching; {_NO_FETCH}",
    "next_page_link": f"multi-page fetching; {_NO_FETCH}",
    "autodetect_next_page": f"multi-page fetching; {_NO_FETCH}",
    "if_page_contains": f"condition on a single/next page link; {_NO_FETCH}",
    "login_uri": f"site login; {_NO_FETCH}", "login_username_field": f"site login; {_NO_FETCH}",
    "login_password_field": f"site login; {_NO_FETCH}", "login_extra_fields": f"site login; {_NO_FETCH}",
    "not_logged_in_xpath": f"site login; {_NO_FETCH}", "requires_login": f"site login; {_NO_FETCH}",
    "http_header(...)": f"HTTP request header; {_NO_FETCH}",
    "native_ad_clue": "marks a whole page as a native ad; we have no such page status",
    "dissolve": _REWRITE, "wrap_in(...)": _REWRITE, "src_lazy_load_attr": _REWRITE,
}


@dataclass(frozen=True)
class Directive:
    """One ``name: value`` line; ``name`` of the one-line forms is ``foo(...)``, with ``arg`` inside."""

    line: int
    name: str
    value: str
    arg: str | None = None


@dataclass(frozen=True)
class Skip:
    """A directive (or line) not carried over, and why."""

    line: int
    directive: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.directive}: {self.reason}"


@dataclass
class Conversion:
    """Outcome for one ftr file: the YAML to write (or the reason there is none) and what was skipped."""

    source: str
    out_name: str | None = None
    yaml: str | None = None
    domains: list[str] = field(default_factory=list)
    subdomains: str = "exclude"
    reason: str | None = None  # why no file is written
    skipped: list[Skip] = field(default_factory=list)
    used: Counter = field(default_factory=Counter)  # directive -> occurrences carried over


# ---------------------------------------------------------------- parsing

_ONE_LINE_FORM = re.compile(r"^([A-Za-z0-9_-]+)\((.+?)\)\s*:(.*)$")


def parse_lines(text: str) -> tuple[list[Directive], list[Skip]]:
    """Directives of an ftr file, plus the non-comment lines that are not directives at all."""
    directives, junk = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        one_line = _ONE_LINE_FORM.match(line)
        if one_line:
            name, arg, value = one_line.groups()
            directives.append(Directive(number, f"{name}(...)", value.strip(), arg))
        elif ":" in line:
            name, value = line.split(":", 1)
            directives.append(Directive(number, name.strip(), value.strip()))
        else:
            junk.append(Skip(number, "(no directive)", f"line without a colon, FTR ignores it: {line[:60]!r}"))
    return directives, junk


# ---------------------------------------------------------------- naming


def domain_for(file_name: str) -> tuple[list[str], str] | str:
    """(domains, subdomains mode) for an ftr file name, or the reason it cannot be mapped.

    ``example.com.txt`` serves the host and ``www.`` only; ``.example.com.txt``
    serves subdomains only (README of ftr-site-config). FTR strips a leading
    ``www.`` from the host before looking a file up, so ``www.*.txt`` files are
    never read by FTR: we report them rather than give them a meaning they never had.
    """
    stem = file_name[: -len(".txt")]
    wildcard = stem.startswith(".")
    domain = stem.lstrip(".")
    if not DOMAIN_RE.match(domain):
        return f"bad name: {domain!r} is not a domain our schema accepts ({DOMAIN_RE.pattern})"
    if domain.startswith("www.") and not wildcard:
        return "never used by FTR: it strips 'www.' from the host before lookup"
    if wildcard:
        return [domain], "only"
    return [domain, f"www.{domain}"], "exclude"


def output_name(file_name: str) -> str:
    """``.example.com.txt`` -> ``_.example.com.yaml``: no hidden files, and ``_`` is never a domain label."""
    stem = file_name[: -len(".txt")]
    return ("_" + stem if stem.startswith(".") else stem) + ".yaml"


# ---------------------------------------------------------------- XPath checks


@lru_cache(maxsize=1)
def _probe():
    """A tiny document to evaluate XPaths on: lxml reports unknown functions and prefixes only then."""
    from lxml import html as lxml_html

    return lxml_html.fromstring("<html><head><title>t</title></head><body><div id='a' class='b'>x</div></body></html>")


# XPath 1.0's functions plus libxml2's escape-uri: all that lxml, and FTR's PHP (also libxml2), can call.
XPATH_FUNCTIONS = frozenset(
    "last position count id local-name namespace-uri name string concat starts-with contains substring-before "
    "substring-after substring string-length normalize-space translate boolean not true false lang number sum "
    "floor ceiling round escape-uri node text comment processing-instruction".split())
_OPERATORS = frozenset({"and", "or", "div", "mod"})  # "and (" is not a call
_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
_CALL = re.compile(r"(?<![\w.@$-])([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)\s*\(")


def xpath_problem(expr: str) -> str | None:
    """Why lxml cannot use ``expr`` (syntax, unknown function, unbound prefix), or None.

    libxml2 looks functions up only when a call is reached, so an XPath 2 call
    inside a predicate (``ends-with``) compiles and fails on the first page that
    reaches it: we check the names ourselves, then compile and run on a probe.
    """
    from lxml import etree

    if not expr:
        return "empty XPath"
    unknown = sorted({name for name in _CALL.findall(_LITERAL.sub("''", expr)) if name not in XPATH_FUNCTIONS | _OPERATORS})
    if unknown:
        return f"XPath refused by lxml (not XPath 1.0: {', '.join(unknown)}()): {expr}"
    try:
        etree.XPath(expr)(_probe())
    except etree.XPathError as exc:
        return f"XPath refused by lxml ({exc}): {expr}"
    return None


_NON_ELEMENT_END = re.compile(r"/\s*(?:@[\w.:*-]+|attribute::[\w.:*-]+|text\(\))[\s)]*$")


def removes_non_elements(expr: str) -> bool:
    """True when a branch of ``expr`` ends on attributes or text: FTR 3.8 strips those, remove_xpath cannot."""
    return any(_NON_ELEMENT_END.search(branch.strip()) for branch in split_top_level(expr, "|"))


def _literal(value: str) -> str:
    """FTR drops quotes from names before pasting them into its XPath; so do we."""
    return value.replace("'", "").replace('"', "")


def strip_id_or_class_xpath(name: str) -> str:
    """FTR 3.x / Graby's expression: a whole class or id token equal to ``name`` (not a substring)."""
    return token_xpath(_literal(name))


def strip_image_src_xpath(fragment: str) -> str:
    """FTR removes every ``img`` whose src contains the fragment."""
    return f"//img[contains(@src,'{_literal(fragment)}')]"


# ---------------------------------------------------------------- conversion


def _strip_xpath(d: Directive) -> tuple[str | None, str | None]:
    """(XPath for remove_xpath, None) or (None, reason) for a strip-like directive."""
    if not d.value:
        return None, "empty value"
    if d.name == "strip_id_or_class":
        expr = strip_id_or_class_xpath(d.value)
    elif d.name == "strip_image_src":
        expr = strip_image_src_xpath(d.value)
    else:
        expr = d.value
        if removes_non_elements(expr):
            return None, f"removes attributes or text, html.remove_xpath removes elements only: {expr}"
    problem = xpath_problem(expr)
    return (None, problem) if problem else (expr, None)


def _collect(directives: list[Directive], conv: Conversion) -> dict[str, Any]:
    """Our ``html`` section from the directives; whatever cannot be used goes to ``conv.skipped``."""
    out: dict[str, list] = defaultdict(list)
    finds: list[tuple[Directive, str]] = []
    replaces: list[tuple[Directive, str]] = []
    for d in directives:
        reason = None
        if d.name in STRIP_DIRECTIVES:
            expr, reason = _strip_xpath(d)
            if expr:
                out["remove_xpath"].append(expr)
        elif d.name in XPATH_KEYS:
            reason = xpath_problem(d.value)
            if reason is None:
                out[XPATH_KEYS[d.name]].append(d.value)
        elif d.name == "test_contains":
            if d.value:
                out["keep"].append(f"<p>{html.escape(d.value, quote=False)}</p>")
            else:
                reason = "empty value"
        elif d.name == "find_string":
            finds.append((d, d.value))
        elif d.name == "replace_string":
            replaces.append((d, d.value))
        elif d.name == "replace_string(...)":
            finds.append((d, d.arg or ""))
            replaces.append((d, d.value))
        else:
            reason = UNSUPPORTED.get(d.name, "unknown directive, FTR ignores it too")
        if reason:
            conv.skipped.append(Skip(d.line, d.name, reason))
        elif d.name not in REPLACE_DIRECTIVES:
            conv.used[d.name] += 1
    out["replace"] = _pairs(finds, replaces, conv)
    if out["keep"]:
        out["tests"] = {"keep": out["keep"]}
    return {key: out[key] for key in HTML_KEY_ORDER if out[key]}


def _pairs(finds: list[tuple[Directive, str]], replaces: list[tuple[Directive, str]], conv: Conversion) -> list[dict]:
    """find/replace pairs by position, as FTR's str_replace(array, array) applies them."""
    if len(finds) != len(replaces):
        reason = f"{len(finds)} find strings but {len(replaces)} replace strings: FTR then applies none"
        conv.skipped.extend(Skip(d.line, d.name, reason) for d in dict.fromkeys(d for d, _ in finds + replaces))
        return []
    pairs = []
    for (find_d, find), (replace_d, replace) in zip(finds, replaces):
        if not find:
            conv.skipped.append(Skip(find_d.line, find_d.name, "empty find string"))
            continue
        pairs.append({"find": find, "replace": replace})
        conv.used.update({find_d.name, replace_d.name})
    return pairs


def _header(source: str, snapshot: str) -> str:
    return (f"{IMPORT_MARK}: {source}\n"
            f"# Snapshot: {snapshot}\n"
            "# Licence: CC0 1.0 public domain dedication, https://creativecommons.org/publicdomain/zero/1.0/\n"
            "# Generated by `cleaner rules import-ftr`: regenerate rather than edit; override in rules/sites/.\n")


def _dump(data: dict[str, Any]) -> str:
    """YAML via ruamel, which quotes whatever would not read back as the same string."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedSeq

    yaml = YAML()
    yaml.width = 1_000_000  # never fold long XPaths
    yaml.indent(mapping=2, sequence=4, offset=2)
    domains = CommentedSeq(data["domains"])
    domains.fa.set_flow_style()
    buf = io.StringIO()
    yaml.dump({**data, "domains": domains}, buf)
    return buf.getvalue()


def _round_trips(text: str, data: dict[str, Any]) -> bool:
    from ruamel.yaml import YAML

    from ..rulebook.rulefile import plain

    return plain(YAML(typ="rt").load(text)) == data


def snapshot_of(src: Path) -> str:
    """The snapshot line from ``SOURCE.txt`` (``fivefilters/ftr-site-config commit e607dc10 (date)``)."""
    try:
        text = (src / "SOURCE.txt").read_text(encoding="utf-8")
    except OSError:
        return "fivefilters/ftr-site-config, unknown commit (no SOURCE.txt)"
    found = re.search(r"commit\s+([0-9a-f]{7,40})(\s*\([^)]*\))?", text)
    return f"fivefilters/ftr-site-config commit {found.group(1)}{found.group(2) or ''}" if found else text.strip()[:120]


def convert(path: Path, snapshot: str) -> Conversion:
    """Convert one ftr file; see the module docstring for the mapping."""
    conv = Conversion(source=path.name)
    named = domain_for(path.name)
    if isinstance(named, str):
        conv.reason = named
        return conv
    conv.domains, conv.subdomains = named
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        conv.reason = f"unreadable: {exc}"
        return conv
    directives, conv.skipped = parse_lines(text)
    section = _collect(directives, conv)
    conv.skipped.sort(key=lambda skip: skip.line)
    if not set(section) - {"tests"}:
        names = sorted({s.directive for s in conv.skipped}) or ["no directives"]
        conv.reason = f"nothing usable: only {', '.join(names)}"
        return conv
    data = {"site": conv.domains[0], "domains": conv.domains, "subdomains": conv.subdomains,
            "source": f"{snapshot}, {path.name}", "license": LICENSE, "imported": "ftr", "html": section}
    body = _dump(data)
    if not _round_trips(body, data):
        conv.reason = "YAML does not read back as written"
        return conv
    conv.out_name, conv.yaml = output_name(path.name), _header(path.name, snapshot) + body
    return conv


def convert_file(path: str | Path) -> tuple[str | None, list[str]]:
    """(YAML text or None, what was skipped and why) for one ftr file; the snapshot comes from SOURCE.txt beside it."""
    path = Path(path)
    conv = convert(path, snapshot_of(path.parent))
    skipped = [str(s) for s in conv.skipped]
    return conv.yaml, skipped + ([f"not converted: {conv.reason}"] if conv.reason else [])


# ---------------------------------------------------------------- whole folder


@dataclass
class ImportReport:
    """What an import did: files written, files refused (with reasons), directives skipped, counts."""

    src: str
    snapshot: str
    converted: dict[str, str] = field(default_factory=dict)  # ftr file -> our file
    not_converted: dict[str, str] = field(default_factory=dict)  # ftr file -> reason
    skipped: dict[str, list[Skip]] = field(default_factory=dict)  # ftr file -> skipped lines
    used: Counter = field(default_factory=Counter)  # directive -> carried over (in written files)
    dropped: Counter = field(default_factory=Counter)  # directive -> skipped or in a file not written

    def add(self, conv: Conversion) -> None:
        if conv.reason:
            self.not_converted[conv.source] = conv.reason
        else:
            self.converted[conv.source] = conv.out_name
            self.used.update(conv.used)
        if conv.skipped:
            self.skipped[conv.source] = conv.skipped
        self.dropped.update(s.directive for s in conv.skipped)
        if conv.reason:  # a refused file's usable directives are lost too
            self.dropped.update(conv.used)

    def reasons(self) -> Counter:
        """Files not converted, grouped by the reason's category (text before the first colon)."""
        return Counter(reason.split(":", 1)[0] for reason in self.not_converted.values())

    def summary(self) -> str:
        total = len(self.converted) + len(self.not_converted)
        lines = [f"ftr import from {self.src} ({self.snapshot})",
                 f"  {total} site files: {len(self.converted)} converted, {len(self.not_converted)} not converted",
                 f"  {sum(1 for f in self.skipped if f in self.converted)} converted files had directives skipped",
                 "  not converted, by reason:"]
        lines += [f"    {n:5d}  {reason}" for reason, n in self.reasons().most_common()]
        lines.append("  directives: carried over / skipped (or in files not converted)")
        for name in sorted(set(self.used) | set(self.dropped), key=lambda k: (-self.used[k] - self.dropped[k], k)):
            lines.append(f"    {name:24s} {self.used[name]:6d} / {self.dropped[name]:6d}")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The report shipped beside the files: every file refused or trimmed, and why."""
        out = ["# FiveFilters ftr-site-config import report", "",
               f"Snapshot: {self.snapshot}. Generated by `cleaner rules import-ftr`; do not edit.", "",
               "```", self.summary().replace(self.src, "SRC"), "```", "",
               "## Why directives are skipped", ""]
        out += [f"- `{name}`: {reason}" for name, reason in sorted(UNSUPPORTED.items())]
        out += ["- anything else: the reason is given on the line.", "",
                f"## Files not converted ({len(self.not_converted)})", ""]
        out += [f"- `{name}`: {reason}" for name, reason in sorted(self.not_converted.items())]
        out += ["", f"## Skipped lines, per file ({len(self.skipped)} files)", ""]
        for name in sorted(self.skipped):
            out.append(f"- `{name}`: " + "; ".join(_short(s) for s in self.skipped[name]))
        return "\n".join(out) + "\n"


NOTICE = """\
# Imported FiveFilters site configs

The `*.yaml` files in this folder are converted from the Full-Text RSS site
configuration files of FiveFilters, <https://github.com/fivefilters/ftr-site-config>,
released to the public domain under CC0 1.0
(<https://creativecommons.org/publicdomain/zero/1.0/>); so are these converted
files. Each one names its source file, the snapshot and the licence in its
header comment and in its `source:` and `license:` keys. CC0 sets no
conditions: this notice only says where the data comes from.

Snapshot: {snapshot}.

The files are generated, like this notice: do not edit them by hand. To change
a site, write a file in `rules/sites/` (it takes precedence over this folder)
or fix the FiveFilters file and regenerate from a checkout of ftr-site-config
(its `SOURCE.txt` names the commit):

    cleaner rules import-ftr /path/to/ftr-site-config -o rules/ftr

This rewrites the YAML files, removes the ones a newer snapshot no longer
produces, and writes:

- `index.json`: domain -> file, so that only the file a host needs is parsed
  (`cleaner.ftr_index`);
- `IMPORT_REPORT.md`: every FiveFilters file that was not converted and every
  directive that was skipped, with the reason (login, multi-page fetching,
  HTTP headers, FTR engine settings, attribute stripping, XPaths lxml refuses).

Mapping: `example.com.txt` serves `example.com` and `www.example.com` only;
`.example.com.txt` (here `_.example.com.yaml`) serves its subdomains only.
`strip`, `strip_id_or_class` and `strip_image_src` become `html.remove_xpath`;
`body`, `title`, `author`, `date` the `html.*_xpath` hints; `find_string` /
`replace_string` the `html.replace` pairs (literal strings, applied in order to
the raw HTML, as FTR does); `test_contains` a must-stay example in
`html.tests.keep`.
"""


def _short(skip: Skip) -> str:
    """A skip as ``directive (l.N)``; the reason only where the table of reasons does not give it."""
    own = skip.directive not in UNSUPPORTED
    return f"{skip.directive} (l.{skip.line})" + (f": {skip.reason}" if own else "")


def _remove_stale(out: Path, keep: set[str]) -> None:
    """Delete files an earlier import wrote that this snapshot no longer produces (never hand-written ones)."""
    for path in out.glob("*.yaml"):
        if path.name not in keep and path.read_text(encoding="utf-8").startswith(IMPORT_MARK):
            path.unlink()


def convert_dir(src: Path, out: Path) -> ImportReport:
    """Convert every site file of ``src`` into ``out``, with ``index.json``, ``IMPORT_REPORT.md`` and ``NOTICE.md``."""
    src, out = Path(src), Path(out)
    if not src.is_dir():
        raise FileNotFoundError(f"no such folder: {src}")
    out.mkdir(parents=True, exist_ok=True)
    report = ImportReport(src=str(src), snapshot=snapshot_of(src))
    indexed: dict[str, tuple[list[str], str]] = {}
    for path in sorted(src.glob("*.txt")):
        if path.name in META_FILES:
            continue
        if path.name == "global.txt":
            report.not_converted[path.name] = ("global config: FTR merges it into every site; "
                                               "its rules would belong in a generic html pack")
            continue
        conv = convert(path, report.snapshot)
        report.add(conv)
        if conv.yaml is not None:
            (out / conv.out_name).write_text(conv.yaml, encoding="utf-8")
            indexed[conv.out_name] = (conv.domains, conv.subdomains)
    _remove_stale(out, set(indexed))
    write_index(out, indexed, report.snapshot)
    (out / REPORT_NAME).write_text(report.to_markdown(), encoding="utf-8")
    (out / NOTICE_NAME).write_text(NOTICE.format(snapshot=report.snapshot), encoding="utf-8")
    return report
