"""The page's DOM: parsed as trafilatura parses it, pruned by the rule files' selectors, then extracted.

Selectors drop share bars, ad slots and comment forms from the tree *before*
extraction, because trafilatura keeps some of them; each element removed is
a DomRemoval, so ``explain`` can name the rule. The extraction of a pruned
tree lives here too, as both the first pass (extract.py) and the imported
files' guarded pass (imported.py) run it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

from ..document import DomRemoval
from ..htmlmeta import AttributeIndex, author_attributes

if TYPE_CHECKING:  # pragma: no cover
    from lxml.html import HtmlElement

    from ...rulebook.rulefile import RuleFile
    from ...rulebook.selectors import Query

SNIPPET_CHARS = 80
# A selector hit holding at least this share of the page's paragraph text is
# taken for a stale or too broad selector hitting the article, and kept.
MAX_PARAGRAPH_SHARE = 0.5
MIN_GUARDED_CHARS = 200  # below this, a block is too small to be the article
PARSER_DEPTH = 256  # libxml2's nesting limit; it drops what lies deeper
FLAT_DEPTH = 200  # flatten() keeps tags down to this depth
# Whether some element sits at PARSER_DEPTH: one child step per level visits each element once, where
# ``//*[count(ancestor::*) >= 255]`` walked every element's ancestors (twice the cost of this on the dev set).
_AT_PARSER_DEPTH = "boolean(" + "/*" * PARSER_DEPTH + ")"
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)[^>]*>")
_BLOCK = frozenset("address article aside blockquote dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
                   "header li main nav ol p pre section table td th tr ul".split())
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# trafilatura's settings, chosen by bench/quality.py (see bench/RESULTS.md). ``fast`` skips trafilatura's
# comparison with readability and jusText, a third of its time. That comparison is a safety net against
# trafilatura's own extractor missing the article; fast mode keeps the nets behind it (the baseline rescue
# of a short extraction, the recall retry of one covering little of the page). On the dev set it changes
# one body of 91 (businessinsider: precision 0.95 -> 1.00, nothing lost); F1 0.972, lost 0.006 either way.
EXTRACT_OPTIONS = {"fast": True, "include_comments": False, "include_tables": True, "favor_precision": False}

def _kind(rule_file: RuleFile) -> str:
    """A generic pack's removals count under its rules' kind (sharing -> share); site files' under 'html'."""
    if rule_file.is_site or not rule_file.rules:
        return "html"
    return rule_file.rules[0].kind


def _removal(rule_file: RuleFile, selector: str, element: HtmlElement) -> DomRemoval:
    """The audit entry of one element a rule file's selector removed (imported files are site files: 'html')."""
    return DomRemoval(rule_file=rule_file.name, selector=selector, text=_text(element)[:SNIPPET_CHARS],
                      kind=_kind(rule_file))


@lru_cache(maxsize=4096)
def _compiled(selector: str, css: bool):
    """An lxml XPath for a CSS selector or an XPath expression; raises ValueError when it does not compile."""
    from lxml import etree

    try:
        if css:
            from cssselect import GenericTranslator, SelectorError

            try:
                return etree.XPath(GenericTranslator().css_to_xpath(selector))
            except SelectorError as exc:
                raise ValueError(f"bad CSS selector {selector!r}: {exc}") from None
        return etree.XPath(selector)
    except etree.XPathError as exc:
        raise ValueError(f"bad XPath {selector!r}: {exc}") from None


def parse(html: str) -> HtmlElement | None:
    """The page as an lxml tree, parsed the way trafilatura parses (its extraction depends on it).

    libxml2 stops building the tree at depth 256 and drops everything below,
    so markup nested deeper (hostile or broken pages) is flattened first:
    tags beyond FLAT_DEPTH go, their text stays. None for markup that makes
    no tree (empty, comments only).
    """
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is not None and _compiled(_AT_PARSER_DEPTH, False)(tree):
        tree = load_html(flatten(html))
    return tree


def flatten(html: str, depth: int = FLAT_DEPTH) -> str:
    """``html`` less the start and end tags nested deeper than ``depth``; their text stays.

    A dropped block tag leaves one ``<br>`` so that paragraphs stay apart.
    Depth is counted over the tags as written; void elements (``<br>``,
    ``<img>``) and self-closed tags do not nest.
    """
    out: list[str] = []
    level = last = 0
    broken = False  # a <br> stands for the block tags dropped since the last text
    for tag in _TAG.finditer(html):
        closing, name = tag.group(1), tag.group(2).lower()
        if name in _VOID or tag.group(0).endswith("/>"):
            continue
        deep = level >= depth if not closing else level > depth
        level = max(level - 1 if closing else level + 1, 0)
        if not deep:
            continue
        segment = html[last:tag.start()]
        if segment.strip():
            out.append(segment)
            broken = False
        if name in _BLOCK and not broken:
            out.append("<br>")
            broken = True
        last = tag.end()
    out.append(html[last:])
    return "".join(out)


def _text(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _paragraph_chars(tree: HtmlElement) -> int:
    return sum(len(_text(p)) for p in tree.iter("p"))


def _outermost(elements: list[HtmlElement]) -> list[HtmlElement]:
    """The elements not inside another one of the list (each removed once, counted once)."""
    chosen = set(elements)
    return [e for e in elements if not any(a in chosen for a in e.iterancestors())]


_XML_SPACE = re.compile(r"[ \t\r\n]+")  # what XPath's normalize-space() splits on


def css_attributes(files: Iterable[RuleFile]) -> set[str]:
    """The attributes the files' CSS selectors test, which a ClassIndex must hold to answer them."""
    return {selector.query.attribute for rule_file in files for selector in rule_file.selectors
            if selector.query is not None and selector.query.needs_class is None}


class ClassIndex(AttributeIndex):
    """A page's elements by class token, by id and by a few more attributes, from one walk over the tree.

    Most DOM rules are ``.class``, ``#id`` or ``tag.class``, most imported
    FiveFilters strips are class-or-id tokens, and the generic packs' ad and
    widget slots are ``[id^="div-gpt-ad"]`` or ``[data-ad-slot]``; as XPath
    each is a walk over the whole page, which made DOM rules cost more than
    extraction (an imported file's 30 token strips took 3 ms a page on the dev
    set, the packs' 11 attribute selectors 1 ms). Looked up here, they cost a
    dictionary access; other selectors still run as XPath. The same walk
    serves the byline search (cleaner.htmlmeta). Elements removed since the
    walk are left out of every answer.
    """

    def __init__(self, tree: HtmlElement, attributes: Iterable[str] = ()):
        super().__init__(tree, {"class", "id", *attributes})
        self.class_tokens = self._tokens("class")
        self.id_tokens = self._tokens("id")

    def _tokens(self, attribute: str) -> dict[str, list[list[HtmlElement]]]:
        """For each token of ``attribute`` (split on any whitespace), the element lists of the values holding it.

        Split once per distinct value, not per element; the lists are merged
        only for the tokens looked up (:meth:`_having`).
        """
        found: dict[str, list[list[HtmlElement]]] = {}
        for value, elements in self.values[attribute].items():
            for token in set(value.split()):
                found.setdefault(token, []).append(elements)
        return found

    def _having(self, tokens: dict[str, list[list[HtmlElement]]], token: str) -> list[HtmlElement]:
        """The elements whose attribute holds ``token``, in document order."""
        lists = tokens.get(token, [])
        return lists[0] if len(lists) == 1 else self.in_order([e for elements in lists for e in elements])

    def select(self, query: Query | None) -> list[HtmlElement] | None:
        """What a CSS selector's query matches, in document order; None when the index cannot answer it."""
        if query is not None and query.needs_class is not None:
            # ``a.skip[href^="#"]``: XPath's class tokens are among the index's, which tells when none holds it
            return None if query.needs_class in self.class_tokens else []
        if query is None or query.attribute not in self.values:
            return None
        return [e for e in self._candidates(query) if (query.tag is None or e.tag == query.tag) and self._attached(e)]

    def _candidates(self, query: Query) -> list[HtmlElement]:
        """The elements that pass ``query`` but for its tag, dropped ones included, in document order."""
        if query.sign == ".":
            return self._having(self.class_tokens, query.value)
        values = self.values[query.attribute]
        if query.sign == "=":
            return values.get(query.value, [])
        return self.in_order([e for value, elements in values.items()
                               if query.sign is None or value.startswith(query.value) for e in elements])

    def select_token(self, name: str) -> list[HtmlElement]:
        """What an imported class-or-id token XPath (rulebook.selectors.token_xpath) matches, in document order.

        Candidates come from the index (split on any whitespace); each is then
        checked on XPath's own token split, so the answer is the XPath's.
        """
        candidates = self.in_order([*self._having(self.class_tokens, name), *self._having(self.id_tokens, name)])
        return [e for e in candidates if self._attached(e)
                and any(name in _XML_SPACE.split(e.get(attribute) or "") for attribute in ("class", "id"))]

    def _attached(self, element: HtmlElement | None) -> bool:
        """Still in the page (a dropped element keeps its document, so walk up to the root)."""
        while element is not None:
            if element is self.tree:
                return True
            element = element.getparent()
        return False


def _file_hits(tree: HtmlElement, rule_file: RuleFile,
               index: ClassIndex | None = None) -> tuple[list[tuple[str, HtmlElement]], list[str]]:
    """(selector, element) pairs a rule file's selectors match, outermost only; and bad-selector warnings."""
    from lxml.html import HtmlElement

    pairs: list[tuple[str, HtmlElement]] = []
    warnings: list[str] = []
    for selector in rule_file.selectors:
        found = None if index is None else index.select(selector.query) if selector.css \
            else index.select_token(selector.token) if selector.token is not None else None
        try:
            if found is None:
                found = _compiled(selector.text, selector.css)(tree)
        except ValueError as exc:
            warnings.append(f"{rule_file.path}: {exc}")
            continue
        seen = {id(e) for _, e in pairs}
        pairs.extend((selector.text, e) for e in found if isinstance(e, HtmlElement) and id(e) not in seen
                     and e.tag not in ("html", "body", "head"))
    keep = {id(e) for e in _outermost([e for _, e in pairs])}
    return [(s, e) for s, e in pairs if id(e) in keep], warnings


def remove_elements(tree: HtmlElement, files: Iterable[RuleFile],
                    guard: bool = True, index: ClassIndex | None = None) -> tuple[list[DomRemoval], list[str]]:
    """Drop every element the files' selectors match; (removals, warnings). Never drops <html>/<body>.

    With ``guard``, a rule file whose hits together hold more than
    MAX_PARAGRAPH_SHARE of the page's paragraph text removes nothing and is
    warned about: a stale or too broad site selector must not delete the
    article: keep it, flag it, say which rules did it. ``index`` is
    the tree's ClassIndex when the caller keeps it for later lookups.
    """
    files = list(files)
    removals: list[DomRemoval] = []
    warnings: list[str] = []
    page_chars = None  # the page's paragraph text before anything is dropped, counted once a file hits something
    index = index or ClassIndex(tree, css_attributes(files))
    for rule_file in files:
        hits, bad = _file_hits(tree, rule_file, index)
        warnings.extend(bad)
        if not hits:
            continue
        page_chars = _paragraph_chars(tree) if page_chars is None else page_chars
        held = sum(_paragraph_chars(e) for _, e in hits)
        if guard and held >= MIN_GUARDED_CHARS and held > MAX_PARAGRAPH_SHARE * page_chars:
            warnings.append(f"{rule_file.name}: html selectors would remove {held} of the page's {page_chars} "
                            "paragraph characters; none applied")
            continue
        for selector, element in hits:
            removals.append(_removal(rule_file, selector, element))
            element.drop_tree()
    return removals, warnings


def apply_replacements(html: str, files: Iterable[RuleFile]) -> str:
    """The files' ``html.replace`` find/replace pairs, in order, on the raw markup."""
    for rule_file in files:
        for pair in (rule_file.html or {}).get("replace", []):
            html = html.replace(pair["find"], pair["replace"])
    return html

@dataclass(frozen=True)
class Pruned:
    """A parsed page after the hand-written files' DOM rules: where an imported file's pass starts."""

    tree: HtmlElement
    removals: tuple[DomRemoval, ...]
    warnings: tuple[str, ...]
    index: ClassIndex  # the tree's elements by class, id and more, built once for every file's selectors
    text: str | None = None  # trafilatura's text of this very tree, when it was extracted already


def prune(markup: str, own: list[RuleFile]) -> Pruned | None:
    """``markup`` parsed, with the hand-written files' selectors applied; None when it makes no tree."""
    tree = parse(markup)
    if tree is None:
        return None
    index = ClassIndex(tree, css_attributes(own) | author_attributes())
    removals, warnings = remove_elements(tree, own, index=index)
    return Pruned(tree, tuple(removals), tuple(warnings), index)
