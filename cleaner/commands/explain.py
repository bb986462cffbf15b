"""``cleaner explain``: one document, line by line, with the rule behind every change.

A rule author's first question is "why did this line go?" and the second is
"why did that one stay?". The pipeline already logs every removal (rule id,
kind, action, rule file, the input's own line number), so explain
runs the same ``clean_source`` as ``cleaner clean`` and lays that log over the
lines the rules saw, numbered as in the file (a file's front matter counts,
and every blank line: the numbers are those of ``cleaner check`` and of an editor). For HTML input those lines are trafilatura's text after
the DOM rules; the elements the DOM rules dropped before extraction
(``Document.dom_removals``) are listed above the lines, since they never were
lines.

Three views of one :class:`Explanation`: ``plain`` (markers, for pipes and
tests), ``rich`` (colour on a terminal) and ``page`` (one standalone HTML file).
"""
from __future__ import annotations

import html as html_escape
import os
from dataclasses import dataclass, replace
from typing import Iterable

from ..rulebook.ruleset import RuleSet
from ..rulebook.textform import normalise
from ..stages.document import Document, DomRemoval, Removal, Source
from ..stages.pipeline import clean_source
from ..stages.render import render
from ..stages.sitememory import SiteMemory

# Colours per kind, shared by the terminal and the HTML page; kinds not listed use DEFAULT_COLOUR.
KIND_COLOURS = {
    "share": "#1f6feb", "ad": "#d1242f", "comments": "#8250df", "not_found": "#6e7781", "paywall": "#bf8700",
    "newsletter": "#bc4c00", "navigation": "#57606a", "related": "#0a7d8c", "bio": "#953800",
    "consent": "#a40e26", "spam": "#cf222e", "duplicate": "#6e7781", "html": "#57606a",
}
DEFAULT_COLOUR = "#cf222e"
MOVED_COLOUR = "#1a7f37"
MARKERS = {"kept": " ", "removed": "-", "moved": ">", "stripped": "~", "blank": " "}


@dataclass(frozen=True)
class ExplainedLine:
    """One line of the input (its normalised text, its own number) and what happened to it."""

    no: int
    text: str
    state: str  # kept | removed | moved | stripped | blank
    removal: Removal | None = None  # the whole-line removal (removed, moved)
    strips: tuple[Removal, ...] = ()  # fragments cut out of a kept line


@dataclass(frozen=True)
class Explanation:
    """Everything explain shows for one document."""

    path: str
    lines: tuple[ExplainedLine, ...]
    document: Document
    rule_lines: dict[str, str]  # qualified rule id -> "file:line", for display

    @property
    def dom_removals(self) -> list[DomRemoval]:
        return self.document.dom_removals


def _state(whole: Removal | None, strips: list[Removal]) -> str:
    if whole is not None:
        return "moved" if whole.action == "header" else "removed"
    return "stripped" if strips else "kept"


def explained_lines(text: str, removals: Iterable[Removal], first: int = 1) -> tuple[ExplainedLine, ...]:
    """Every line of ``text`` (numbered from ``first``, as Removal.line) with its removal and stripped fragments."""
    whole: dict[int, Removal] = {}
    strips: dict[int, list[Removal]] = {}
    for removal in removals:
        if removal.action == "strip":
            strips.setdefault(removal.line, []).append(removal)
        else:
            whole.setdefault(removal.line, removal)
    out = []
    for no, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=first):
        line = normalise(raw)
        if not line:
            out.append(ExplainedLine(no, line, "blank"))
            continue
        cut = strips.get(no, [])
        out.append(ExplainedLine(no, line, _state(whole.get(no), cut), whole.get(no), tuple(cut)))
    return tuple(out)


def _shown_path(path: str) -> str:
    """A rule file path relative to the working folder when it is below it (shorter, clickable)."""
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
    except ValueError:  # another drive on Windows
        return path


def rule_locations(ruleset: RuleSet) -> dict[str, str]:
    """Qualified rule id -> 'file:line' for every rule loaded (generic and site files)."""
    found = {}
    for rule_file in (*ruleset.files, *ruleset.sites):
        for rule in rule_file.rules:
            found.setdefault(rule.id, f"{_shown_path(rule.file)}:{rule.line}")
    for rule in ruleset.generic_rules:  # the winner of an override
        found[rule.id] = f"{_shown_path(rule.file)}:{rule.line}"
    if ruleset.model is not None and ruleset.model.path:
        found[ruleset.model.id] = _shown_path(ruleset.model.path)
    return found


def explain_source(source: Source, ruleset: RuleSet, memory: SiteMemory | None = None) -> Explanation:
    """Clean ``source`` exactly as ``cleaner clean`` does and pair each input line with its fate.

    ``memory``: the site memory of a batch (``--site-memory FILE``), whose removals then show.
    """
    document = clean_source(source, ruleset, memory)
    lines = explained_lines(document.text_seen.rstrip("\r\n"), document.removals, document.first_line)
    locations = rule_locations(ruleset)
    for removal in document.removals:  # site files found through the lazy ftr index are not in ruleset.files
        if removal.rule not in locations and removal.rule_file:
            locations[removal.rule] = _shown_path(removal.rule_file)
    return Explanation(path=source.path or "-", lines=lines, document=document, rule_lines=locations)


def header_text(document: Document) -> str:
    """The front matter ``cleaner clean`` would write for this document (md format, without the body)."""
    return render(replace(document, body=""), "md").rstrip("\n")


def rule_note(removal: Removal, locations: dict[str, str]) -> str:
    """'kind rule-id (file:line)', plus the header field for a moved line; builtin steps have no file."""
    where = locations.get(removal.rule)
    target = f" -> header.{removal.field}" if removal.action == "header" and removal.field else ""
    action = "" if removal.action in ("drop", "header") else f" [{removal.action}]"
    why = f": {', '.join(removal.reasons)}" if removal.reasons else ""
    judged = f" score {removal.score:.2f}{why}" if removal.score is not None else f" ({why[2:]})" if why else ""
    return f"{removal.kind}: {removal.rule}{action}{target}{judged}" + (f" ({where})" if where else "")


# -- plain text -----------------------------------------------------------------------------------------------

def _plain_line(line: ExplainedLine, locations: dict[str, str]) -> list[str]:
    if line.state == "blank":
        return [f"{line.no:>4}"]
    head = f"{line.no:>4} {MARKERS[line.state]} {line.text}"
    if line.removal is not None:
        return [f"{head}    <- {rule_note(line.removal, locations)}"]
    return [head] + [f"{'':>4} ~   stripped {s.text!r} <- {rule_note(s, locations)}" for s in line.strips]


def _summary(explanation: Explanation) -> list[str]:
    doc = explanation.document
    out = [f"# cleaner explain: {explanation.path}"]
    out += [f"site: {site}" for site in doc.sites] or ["site: none matched (generic rules only)"]
    out += [f"warning: {w}" for w in doc.warnings]
    if explanation.dom_removals:
        out.append(f"removed from the HTML before extraction ({len(explanation.dom_removals)}):")
        out += [f"   - {d.kind}: {d.selector!r} ({d.rule_file}): {d.text!r}" for d in explanation.dom_removals]
    return out


def plain(explanation: Explanation) -> str:
    """Text with markers: ' ' kept, '-' removed, '>' moved to the header, '~' kept minus a fragment."""
    out = _summary(explanation)
    out.append("legend: ' ' kept  '-' removed  '>' moved to header  '~' fragment stripped")
    out.append("")
    for line in explanation.lines:
        out.extend(_plain_line(line, explanation.rule_lines))
    out += ["", "header that would be written:", header_text(explanation.document)]
    return "\n".join(out) + "\n"


# -- terminal (rich) ------------------------------------------------------------------------------------------

def _rich_line(line: ExplainedLine, locations: dict[str, str]):
    from rich.text import Text

    text = Text()
    text.append(f"{line.no:>4} {MARKERS[line.state]} ", style="dim")
    if line.state == "removed":
        colour = KIND_COLOURS.get(line.removal.kind, DEFAULT_COLOUR)
        text.append(line.text, style=f"strike {colour}")
    elif line.state == "moved":
        text.append(line.text, style=f"italic {MOVED_COLOUR}")
    else:
        text.append(line.text)
    if line.removal is not None:
        text.append(f"  <- {rule_note(line.removal, locations)}", style="dim")
    for strip in line.strips:
        text.append(f"\n{'':>4} ~   ", style="dim")
        text.append(strip.text, style=f"strike {KIND_COLOURS.get(strip.kind, DEFAULT_COLOUR)}")
        text.append(f"  <- {rule_note(strip, locations)}", style="dim")
    return text


def print_rich(explanation: Explanation, force_colour: bool = False) -> None:
    """Coloured view for a terminal: removed lines struck in their kind's colour, moved lines green."""
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True, force_terminal=force_colour or None)
    for row in _summary(explanation):
        console.print(Text(row, style="bold" if row.startswith("#") else "yellow" if row.startswith("warn") else ""))
    console.print()
    for line in explanation.lines:
        console.print(_rich_line(line, explanation.rule_lines))
    console.print()
    console.print(Text("header that would be written:", style="bold"))
    console.print(Text(header_text(explanation.document)))


# -- standalone HTML page -------------------------------------------------------------------------------------

PAGE_STYLE = """
body{font:14px/1.5 system-ui,sans-serif;margin:2em;color:#1f2328;background:#fff}
h1{font-size:1.2em} .meta li{margin:.2em 0} .warn{color:#9a6700}
.lines{font-family:ui-monospace,monospace;white-space:pre-wrap;border-top:1px solid #d0d7de}
.line{display:block;padding:1px 4px} .no{color:#8c959f;display:inline-block;width:4em;user-select:none}
.line.removed .txt{text-decoration-line:line-through;color:var(--kind)}
.line.removed{background:#ffebe9}
.line.moved .txt{font-style:italic;color:%(moved)s} .line.moved{background:#dafbe1}
.strip{text-decoration-line:line-through;color:var(--kind)}
.rule{color:#57606a;font-size:.85em;margin-left:1.5em}
pre.header{background:#f6f8fa;padding:1em;border:1px solid #d0d7de}
""" % {"moved": MOVED_COLOUR}

# Records, on each line, the style the browser computed: a headless browser's --dump-dom then
# shows what a reader sees (tests/test_explain.py checks removed lines are really struck through).
PAGE_SCRIPT = """
document.querySelectorAll('.line').forEach(function (el) {
  var txt = el.querySelector('.txt'); if (!txt) return;
  var s = getComputedStyle(txt);
  el.setAttribute('data-computed', s.textDecorationLine + ';' + s.color);
});
"""


def _e(text: str) -> str:
    return html_escape.escape(text, quote=True)


def _kind_style(kind: str) -> str:
    return f' style="--kind:{KIND_COLOURS.get(kind, DEFAULT_COLOUR)}"'


def _page_line(line: ExplainedLine, locations: dict[str, str]) -> str:
    removal = line.removal
    kind = f" kind-{_e(removal.kind)}" if removal else ""
    attrs = (f' data-rule="{_e(removal.rule)}" data-kind="{_e(removal.kind)}" data-action="{_e(removal.action)}"'
             f' data-file="{_e(locations.get(removal.rule, ""))}"{_kind_style(removal.kind)}') if removal else ""
    note = f'<span class="rule">{_e(rule_note(removal, locations))}</span>' if removal else ""
    strips = "".join(f'<span class="rule">stripped <span class="strip"{_kind_style(s.kind)}>{_e(s.text)}</span> '
                     f"{_e(rule_note(s, locations))}</span>" for s in line.strips)
    return (f'<span class="line {line.state}{kind}" id="L{line.no}"{attrs}><span class="no">{line.no}</span>'
            f'<span class="txt">{_e(line.text)}</span>{note}{strips}</span>')


def _page_meta(explanation: Explanation) -> str:
    doc = explanation.document
    items = [f"<li>site: {_e(s)}</li>" for s in doc.sites] or ["<li>site: none matched (generic rules only)</li>"]
    items += [f'<li class="warn">warning: {_e(w)}</li>' for w in doc.warnings]
    items += [f'<li class="dom" data-kind="{_e(d.kind)}">removed from the HTML: {_e(d.kind)} '
              f"<code>{_e(d.selector)}</code> ({_e(d.rule_file)}): {_e(d.text)}</li>" for d in explanation.dom_removals]
    return f'<ul class="meta">{"".join(items)}</ul>'


def _page_section(explanation: Explanation) -> str:
    counts = {state: sum(1 for l in explanation.lines if l.state == state) for state in ("removed", "moved")}
    lines = "".join(_page_line(line, explanation.rule_lines) for line in explanation.lines)
    return (f'<section><h1>cleaner explain: {_e(explanation.path)}</h1>{_page_meta(explanation)}'
            f"<p>{counts['removed']} lines removed, {counts['moved']} moved to the header.</p>"
            f'<div class="lines">{lines}</div><h2>Header that would be written</h2>'
            f'<pre class="header">{_e(header_text(explanation.document))}</pre></section>')


def page(explanations: list[Explanation]) -> str:
    """One self-contained HTML file (inline style and script, no external assets) with the same view."""
    title = explanations[0].path if len(explanations) == 1 else f"{len(explanations)} documents"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>cleaner explain: {_e(title)}</title><style>{PAGE_STYLE}</style></head><body>"
        + "<hr>".join(_page_section(e) for e in explanations)
        + f"<script>{PAGE_SCRIPT}</script></body></html>\n"
    )
