"""Imported FiveFilters files: a guarded pass, checked against trafilatura's own text.

They were written for another engine and many are stale (one hits the WSJ
article itself), so their strips and body XPath run only where they agree
with a first extraction (the guards' figures are in bench/RESULTS.md), and
their title/author/date XPaths only fill fields trafilatura left empty.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable

from ..document import DomRemoval
from .blocks import extract_text
from .dom import (MIN_GUARDED_CHARS, Pruned, _compiled, _file_hits, _outermost, _paragraph_chars, _removal, _text,
                  apply_replacements, prune)

if TYPE_CHECKING:  # pragma: no cover
    from lxml.html import HtmlElement

    from ...rulebook.blockmodel import BlockModel
    from ...rulebook.lexicons import Lexicons
    from ...rulebook.rulefile import RuleFile

# Guards of imported files, measured on the dev set (see the module docstring and bench/RESULTS.md).
BODY_AGREES = 0.8  # a body_xpath is used when its nodes hold this share of trafilatura's text
MAX_ELEMENT_SHARE = 0.5  # a strip hit holding more of trafilatura's text than this is kept
KEEP_SHARE = 0.8  # the guarded pass must keep this share of trafilatura's text in its scope
# An imported strip hit under MIN_GUARDED_CHARS of text goes in the first pass, when the file's such hits
# together hold at most this share of the page's paragraph text (a stale selector hitting every paragraph).
MAX_EARLY_SHARE = 0.05
MAX_TITLE_CHARS = 300
MAX_AUTHORS = 10
MAX_AUTHOR_CHARS = 80
_NON_WORD = re.compile(r"[\W_]+")

@dataclass(frozen=True)
class ImportedPass:
    """What an imported file's guarded pass gives: its text (None when the first extraction stands)."""

    text: str | None
    removals: tuple[DomRemoval, ...]  # every DOM removal of the pass, hand-written files' included
    metadata: dict[str, Any]  # header fields its title/author/date XPaths found
    warnings: tuple[str, ...]


def is_imported(rule_file: RuleFile) -> bool:
    """A file converted from FiveFilters (``rules/ftr``): written for FTR's engine, maybe stale; guarded."""
    return rule_file.imported is not None


def _key(text: str) -> str:
    """Text less everything but letters and digits, for comparing an extraction with the tree it came from.

    lxml's text_content() and trafilatura space inline elements differently,
    and trafilatura adds list dashes and table bars of its own.
    """
    return _NON_WORD.sub("", text)


def _lines(text: str) -> list[str]:
    """The keys of an extraction's non-empty lines: the units whose survival is measured."""
    return [line for line in map(_key, text.split("\n")) if line]


def _share(lines: list[str], squeezed: str) -> float:
    """Share of the characters of ``lines`` that occur, line by line, inside ``squeezed``; 1 for no lines."""
    total = sum(map(len, lines))
    return sum(len(line) for line in lines if line in squeezed) / total if total else 1.0


def _matches(tree: HtmlElement, expressions: Iterable[str]) -> list[Any]:
    """Results of the first expression that matches anything (FTR tries them in order); [] when none does."""
    from lxml import etree

    for expression in expressions:
        try:
            found = _compiled(expression, False)(tree)
        except (ValueError, etree.XPathError):  # refused at import time already; a page cannot fix it
            continue
        found = found if isinstance(found, list) else [found]
        if [f for f in found if f is not None and str(f).strip()]:
            return found
    return []


def _body_nodes(tree: HtmlElement, rule_file: RuleFile, lines: list[str]) -> tuple[list[HtmlElement], str | None]:
    """The ``body_xpath`` nodes that hold trafilatura's text, when together they hold BODY_AGREES of it.

    Of several matches (FTR joins them all), only the ones holding some of that
    text count: a site's ``//article`` also matches its teaser cards. Returns
    ([], warning) when the nodes disagree with trafilatura: a stale or wrong
    body XPath must not decide what the article is.
    """
    from lxml.html import HtmlElement

    found = [e for e in _matches(tree, rule_file.html.get("body_xpath", [])) if isinstance(e, HtmlElement)]
    if not found:
        return [], None
    holding = [e for e in _outermost(found) if _share(lines, _key(e.text_content())) > 0]
    inside = _share(lines, "\n".join(_key(e.text_content()) for e in holding))
    if inside < BODY_AGREES:
        return [], (f"{rule_file.name}: body_xpath holds {inside:.0%} of the text trafilatura finds "
                    f"(under {BODY_AGREES:.0%}); not used")
    return holding, None


def _strip_hits(start: Pruned, rule_file: RuleFile, body: list[HtmlElement],
                lines: list[str]) -> tuple[list[tuple[str, HtmlElement]], list[str]]:
    """The imported file's strip hits that are safe to drop, and a warning for each one kept.

    Inside the body nodes when there are some (FTR strips inside what its body
    XPath chose); never a body node or an ancestor of one; never an element
    holding more than MAX_ELEMENT_SHARE of trafilatura's text (a stale class
    name such as ``snippet`` that now names the article's own container).
    """
    hits, warnings = _file_hits(start.tree, rule_file, start.index)
    chosen = set(body)
    safe = []
    for selector, element in hits:
        if body and not any(a in chosen for a in element.iterancestors()):
            continue
        held = _share(lines, _key(element.text_content()))
        if element in chosen or any(e in chosen for e in element.iterdescendants()) or held > MAX_ELEMENT_SHARE:
            warnings.append(f"{rule_file.name}: kept an element that {selector} matches: it holds {held:.0%} "
                            "of the article text")
            continue
        safe.append((selector, element))
    return safe, warnings


def imported_pass(start: Pruned | None, rule_file: RuleFile, reference: str, url: str | None,
                  metadata: dict[str, Any], blocks: BlockModel | None = None) -> ImportedPass:
    """Apply an imported file under guards; its text is used only if it keeps KEEP_SHARE of ``reference``.

    ``start`` is the page after the hand-written rules and the small strips
    (:func:`_strip_small`), or after the file's find/replace pairs when they
    change the raw markup (None when they leave nothing to parse);
    ``reference`` is what trafilatura extracted from the first pass's tree:
    its text is the yardstick for the body XPath and the remaining strips.
    ``metadata`` is what the file's title/author/date XPaths found before
    anything was stripped (as in FTR). If the result lost more than the
    measured share of the in-scope reference text (a replacement that broke
    the markup, strips that add up), the first extraction stands and a warning
    says why. The start tree is left as it is; extraction (``blocks``: the
    block model's, as in the first pass) runs again only for strips without a
    body XPath, on a copy, or for markup the file changed.
    """
    if start is None:
        return ImportedPass(None, (), metadata, (f"{rule_file.name}: html.replace leaves nothing to parse; not used",))
    tree, removals, warnings = start.tree, list(start.removals), list(start.warnings)
    lines = _lines(reference)
    body, disagrees = _body_nodes(tree, rule_file, lines)
    held = _key(" ".join(e.text_content() for e in body))
    in_scope = [line for line in lines if not body or line in held]  # measured before anything is stripped
    hits, strip_warnings = _strip_hits(start, rule_file, body, lines)
    warnings += strip_warnings + ([disagrees] if disagrees else [])
    removals += [_removal(rule_file, selector, element) for selector, element in hits]
    stripped = [element for _, element in hits]
    if body or not stripped:  # trafilatura's text of the start tree, restricted to the body nodes if any
        if start.text is None:
            page_text, judged = extract_text(tree, url, blocks)
            removals += judged
        else:
            page_text = start.text
        text = _body_text(body, set(stripped), page_text) if body else page_text
    else:  # the first pass's judgement is replaced by this tree's
        text, judged = extract_text(_without(tree, stripped), url, blocks)
        removals = [r for r in removals if blocks is None or r.rule_file != blocks.id] + judged
    kept = _share(in_scope, _key(text))
    if kept < KEEP_SHARE:
        warnings.append(f"{rule_file.name}: its rules keep {kept:.0%} of the article text (under "
                        f"{KEEP_SHARE:.0%}); the extraction without them stands")
        return ImportedPass(None, (), metadata, tuple(warnings))
    return ImportedPass(text, tuple(removals), metadata, tuple(warnings))


def _body_text(body: list[HtmlElement], stripped: set[HtmlElement], reference: str) -> str:
    """The reference lines that lie inside the body nodes less the stripped elements, in order.

    What the body XPath is for: leaving out the blocks around the article that
    trafilatura kept. Taking trafilatura's own lines keeps its subheadings and
    list items, which a second trafilatura run on the body nodes alone dropped
    (-17 recall points on one page, undone by putting its lines back) and
    saves that run. Copies count: a line goes in as often as the
    reference has it but never more often than the body's text holds it (the
    page's other copies of the article are what the body XPath leaves out).
    """
    held = _key(" ".join(_text_outside(element, stripped) for element in body))
    out: list[str] = []
    seen: Counter[str] = Counter()
    for line in reference.split("\n"):
        key = _key(line)
        seen[key] += 1
        if key and seen[key] <= held.count(key):
            out.append(line)
    return "\n".join(out)


def _text_outside(element: HtmlElement, skipped: set[HtmlElement]) -> str:
    """``element.text_content()`` less the text of the ``skipped`` elements in it (the tree stays as it is)."""
    if element in skipped:
        return ""
    parts = [element.text or ""] if isinstance(element.tag, str) else []
    for child in element:
        parts += [_text_outside(child, skipped), child.tail or ""]
    return "".join(parts)


def _without(tree: HtmlElement, elements: list[HtmlElement]) -> HtmlElement:
    """A copy of ``tree`` less ``elements``: the first pass's tree stays whole for the files after this one."""
    from copy import deepcopy

    paths = [element.getroottree().getpath(element) for element in elements]
    copy = deepcopy(tree)
    for found in [copy.getroottree().xpath(path)[0] for path in paths]:  # all found before any is dropped
        found.drop_tree()
    return copy


def _strings(found: list[Any]) -> list[str]:
    """XPath results (elements, attribute values, strings) as whitespace-normalised non-empty strings."""
    values = [" ".join((f.text_content() if hasattr(f, "text_content") else str(f)).split()) for f in found]
    return list(dict.fromkeys(v for v in values if v))


def _date(value: str) -> str | None:
    """An ISO date from a date XPath's text, or None; a value without a year gives None (never invented)."""
    from datetime import datetime

    from dateutil import parser

    try:
        first = parser.parse(value, default=datetime(2000, 1, 1), fuzzy=True)
        second = parser.parse(value, default=datetime(2001, 2, 2), fuzzy=True)
    except (ValueError, OverflowError):
        return None
    return first.date().isoformat() if first.year == second.year else None


@lru_cache(maxsize=8)
def _byline_prefix(words: tuple[str, ...]) -> re.Pattern:
    """'By ' and the like (lexicon ``byline``) at the start of an author name."""
    return re.compile(rf"^(?:{'|'.join(map(re.escape, words))})\s+", re.IGNORECASE)


def _site_metadata(tree: HtmlElement, rule_file: RuleFile, lexicons: Lexicons) -> dict[str, Any]:
    """Title, authors and date from the imported file's XPaths, where they match and look like one.

    extract_html uses them only for fields trafilatura left empty: it reads
    the page's JSON-LD and meta tags, which publishers keep current while
    XPaths rot (on the dev set the XPaths gave a title with the site name
    appended where trafilatura's had none). A value out of shape (a title over
    MAX_TITLE_CHARS, more than MAX_AUTHORS names, a date without a year) is left out.
    """
    html = rule_file.html
    found: dict[str, Any] = {}
    titles = _strings(_matches(tree, html.get("title_xpath", [])))
    if titles and len(titles[0]) <= MAX_TITLE_CHARS:
        found["title"] = titles[0]
    byline = _byline_prefix(lexicons.byline)
    authors = [byline.sub("", a) for a in _strings(_matches(tree, html.get("author_xpath", [])))]
    authors = list(dict.fromkeys(a for a in authors if 0 < len(a) <= MAX_AUTHOR_CHARS))
    if 0 < len(authors) <= MAX_AUTHORS:
        found["authors"] = authors
    dates = [d for d in map(_date, _strings(_matches(tree, html.get("date_xpath", [])))) if d]
    if dates:
        found["date"] = dates[0]
    return found

def _strip_small(first: Pruned, files: list[RuleFile]) -> Pruned:
    """The first pass's tree less the imported files' small strip hits, each logged; the rest wait for the pass.

    A hit under MIN_GUARDED_CHARS of text cannot be the article (nor hold
    much of it), so it needs no measuring against trafilatura's text and goes
    before the one extraction, which then needs no second run. The hits of a
    file that together hold over MAX_EARLY_SHARE of the page's paragraph text
    (a stale selector matching every paragraph) all wait for the guarded pass.
    """
    removals = list(first.removals)
    page_chars = None  # as in remove_elements: counted before anything is dropped, once a file hits something
    for rule_file in files:
        hits = [(s, e) for s, e in _file_hits(first.tree, rule_file, first.index)[0]
                if len(_text(e)) < MIN_GUARDED_CHARS]
        if not hits:
            continue
        page_chars = _paragraph_chars(first.tree) if page_chars is None else page_chars
        if sum(_paragraph_chars(e) for _, e in hits) > MAX_EARLY_SHARE * page_chars:
            continue
        for selector, element in hits:
            removals.append(_removal(rule_file, selector, element))
            element.drop_tree()
    return replace(first, removals=tuple(removals))


def _start(markup: str, own: list[RuleFile], rule_file: RuleFile, first: Pruned) -> Pruned | None:
    """Where an imported file's pass starts: the first pass's tree (the pass does not change it), unless
    its find/replace pairs change the markup, which is then parsed and pruned again."""
    replaced = apply_replacements(markup, [rule_file])
    return first if replaced == markup else prune(replaced, own)
