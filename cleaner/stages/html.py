"""The HTML stage: raw HTML -> DOM rules -> trafilatura -> text and metadata for the text stage.

Selectors drop share bars, ad slots and comment forms from the tree *before*
extraction, because trafilatura keeps some of them; each element removed is
a DomRemoval, so ``explain`` can name the rule. Imported FiveFilters files
were written for another engine and many are stale (one hits the WSJ
article itself), so theirs run guarded against a first extraction
(:func:`imported_pass`; the guards' figures are in bench/RESULTS.md).
lxml, cssselect and trafilatura are imported only when HTML is seen, so
``cleaner check`` on text files never loads them.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable

from ..rulebook.examples import Failure
from .document import DomRemoval
from .htmlmeta import AttributeIndex, author_attributes, header_fields, page_metadata

if TYPE_CHECKING:  # pragma: no cover
    from lxml.html import HtmlElement

    from ..rulebook.lexicons import Lexicons
    from ..rulebook.rulefile import RuleFile

SNIPPET_CHARS = 80
# A selector hit holding at least this share of the page's paragraph text is
# taken for a stale or too broad selector hitting the article, and kept.
MAX_PARAGRAPH_SHARE = 0.5
MIN_GUARDED_CHARS = 200  # below this, a block is too small to be the article
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


@dataclass(frozen=True)
class Extraction:
    """What the HTML stage hands to the text stage."""

    text: str  # paragraphs separated by one blank line
    metadata: dict[str, Any]  # header fields taken from the HTML (only those found)
    removals: tuple[DomRemoval, ...]
    warnings: tuple[str, ...]
    metadata_from: dict[str, str] = field(default_factory=dict)  # header field -> rule file whose XPath gave it


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


def selectors(rule_file: RuleFile) -> list[tuple[str, bool]]:
    """(selector, is_css) pairs of a rule file's html section, CSS first."""
    html = rule_file.html or {}
    return [(s, True) for s in html.get("remove", [])] + [(s, False) for s in html.get("remove_xpath", [])]


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


# CSS selectors the index answers: ``.class`` and ``#id``, and ``[attr]``, ``[attr="value"]`` and
# ``[attr^="value"]`` (double quotes, no escapes), each maybe after a tag (and, for the last three, a class)
_SIMPLE_CSS = re.compile(r"(?P<tag>[a-z][a-z0-9]*)?(?P<sign>[.#])(?P<name>[A-Za-z_][\w-]*)")
_ATTRIBUTE_CSS = re.compile(r'(?P<tag>[a-z][a-z0-9]*)?(?:\.(?P<class>[A-Za-z_][\w-]*))?\[(?P<name>[A-Za-z_][\w-]*)'
                            r'(?:(?P<sign>\^?=)"(?P<value>[^"\\\n]*)")?\]')
# FiveFilters' strip_id_or_class as imported (commands/ftr.strip_id_or_class_xpath): a class or id token.
_TOKEN_XPATH = re.compile(r"//\*\[contains\(concat\(' ',normalize-space\(@class\),' '\),' (?P<name>[^\s']+) '\) or "
                          r"contains\(concat\(' ',normalize-space\(@id\),' '\),' (?P=name) '\)\]")
_XML_SPACE = re.compile(r"[ \t\r\n]+")  # what XPath's normalize-space() splits on


@dataclass(frozen=True)
class _Query:
    """A CSS selector the index answers: elements whose ``attribute`` is there (sign None), equals
    ``value`` ("="), starts with it ("^=") or holds it as a class token ("."); of ``tag`` if given;
    holding the class token ``needs_class`` if given (then the index answers only when no element does)."""

    tag: str | None
    attribute: str
    sign: str | None
    value: str
    needs_class: str | None = None


@lru_cache(maxsize=4096)
def _css_query(selector: str) -> _Query | None:
    """The selector as a :class:`_Query`, None for any other (or ``[a^=""]``, which matches nothing)."""
    simple = _SIMPLE_CSS.fullmatch(selector)
    if simple is not None:
        sign = simple["sign"]
        return _Query(simple["tag"], "class" if sign == "." else "id", sign if sign == "." else "=", simple["name"])
    attribute = _ATTRIBUTE_CSS.fullmatch(selector)
    if attribute is None or attribute["value"] == "" and attribute["sign"] == "^=":
        return None
    return _Query(attribute["tag"], attribute["name"], attribute["sign"], attribute["value"] or "", attribute["class"])


def css_attributes(files: Iterable[RuleFile]) -> set[str]:
    """The attributes the files' CSS selectors test, which a ClassIndex must hold to answer them."""
    return {query.attribute for rule_file in files for selector, css in selectors(rule_file)
            if css and (query := _css_query(selector)) is not None and query.needs_class is None}


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

    def select(self, selector: str) -> list[HtmlElement] | None:
        """What the CSS selector matches, in document order; None when the index cannot answer it."""
        query = _css_query(selector)
        if query is not None and query.needs_class is not None:
            # ``a.skip[href^="#"]``: XPath's class tokens are among the index's, which tells when none holds it
            return None if query.needs_class in self.class_tokens else []
        if query is None or query.attribute not in self.values:
            return None
        return [e for e in self._candidates(query) if (query.tag is None or e.tag == query.tag) and self._attached(e)]

    def _candidates(self, query: _Query) -> list[HtmlElement]:
        """The elements that pass ``query`` but for its tag, dropped ones included, in document order."""
        if query.sign == ".":
            return self._having(self.class_tokens, query.value)
        values = self.values[query.attribute]
        if query.sign == "=":
            return values.get(query.value, [])
        return self.in_order([e for value, elements in values.items()
                               if query.sign is None or value.startswith(query.value) for e in elements])

    def select_xpath(self, selector: str) -> list[HtmlElement] | None:
        """What an imported class-or-id token XPath matches, in document order; None for any other XPath.

        Candidates come from the index (split on any whitespace); each is then
        checked on XPath's own token split, so the answer is the XPath's.
        """
        token = _TOKEN_XPATH.fullmatch(selector)
        if token is None:
            return None
        name = token["name"]
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
    for selector, css in selectors(rule_file):
        found = None if index is None else index.select(selector) if css else index.select_xpath(selector)
        try:
            if found is None:
                found = _compiled(selector, css)(tree)
        except ValueError as exc:
            warnings.append(f"{rule_file.path}: {exc}")
            continue
        seen = {id(e) for _, e in pairs}
        pairs.extend((selector, e) for e in found if isinstance(e, HtmlElement) and id(e) not in seen
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


def _extract_text(tree: HtmlElement, url: str | None) -> str:
    """trafilatura's text alone for a tree ('' when it finds nothing); ``tree`` stays as it was.

    trafilatura works on a copy, so an imported file's pass can start from
    the tree without parsing the page again. Metadata comes from
    page_metadata, once: trafilatura's own would scan the body for fields
    cleaner drops. The text does not depend on it (trafilatura uses the URL
    only for links and images).
    """
    import trafilatura

    doc = trafilatura.bare_extraction(tree, url=url, **EXTRACT_OPTIONS)
    return (doc.text or "") if doc is not None else ""


# --- imported FiveFilters files: a guarded pass, checked against trafilatura's own text ---

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
                  metadata: dict[str, Any]) -> ImportedPass:
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
    says why. The start tree is left as it is; trafilatura runs again only for
    strips without a body XPath, on a copy, or for markup the file changed.
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
        page_text = start.text if start.text is not None else _extract_text(tree, url)
        text = _body_text(body, set(stripped), page_text) if body else page_text
    else:
        text = _extract_text(_without(tree, stripped), url)
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


def extract_html(html: str, files: list[RuleFile], lexicons: Lexicons, url: str | None = None) -> Extraction:
    """Run the HTML stage on one page with the given rule files (site files first, then generic packs).

    Hand-written files and packs prune the tree before trafilatura, and so do
    an imported file's small strip hits (:func:`_strip_small`), once the
    header fields are read. An imported file then gets its guarded pass
    (:func:`imported_pass`), measured against this first extraction, which is
    kept whenever that pass would lose its text.
    """
    own, imported = [f for f in files if not is_imported(f)], [f for f in files if is_imported(f)]
    markup = apply_replacements(html, own)
    first = prune(markup, own)
    if first is None:
        return Extraction(text="", metadata={}, removals=(), warnings=("html: nothing to parse",))
    # metadata first: imported strips may drop the byline or the <h1>
    doc = page_metadata(first.tree, url, first.index)
    site_metadata = {f.name: _site_metadata(first.tree, f, lexicons) for f in imported}
    first = _strip_small(first, [f for f in imported if apply_replacements(markup, [f]) == markup])
    removals, warnings = first.removals, list(first.warnings)
    reference = _extract_text(first.tree, url)
    if not reference:
        return Extraction(text="", metadata={}, removals=removals, warnings=tuple(warnings))
    text, metadata, sources = _without_title(reference, doc.title), header_fields(doc, url), {}
    first = replace(first, text=reference)
    for rule_file in imported:
        start = _start(markup, own, rule_file, first)
        metadata_found = site_metadata[rule_file.name] if start is None or start is first else \
            _site_metadata(start.tree, rule_file, lexicons)  # its find/replace pairs changed the markup: read it there
        found = imported_pass(start, rule_file, text, url, metadata_found)
        warnings.extend(w for w in found.warnings if w not in warnings)
        if found.text is not None:
            text, removals = _without_title(found.text, doc.title), found.removals
        filled = {key: value for key, value in found.metadata.items() if key not in metadata}
        metadata.update(filled)
        sources.update(dict.fromkeys(filled, rule_file.name))
    return Extraction(text=text, metadata=metadata, removals=tuple(removals), warnings=tuple(warnings),
                      metadata_from=sources)


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


def _without_title(text: str, title: str | None) -> str:
    """Paragraphs separated by blank lines, less a first line repeating the title (it goes to the header)."""
    paragraphs = [line for line in text.split("\n") if line.strip()]
    if paragraphs and title and " ".join(paragraphs[0].split()).casefold() == " ".join(title.split()).casefold():
        paragraphs = paragraphs[1:]
    return "\n\n".join(paragraphs)


def html_files(generic: Iterable[RuleFile], sites: Iterable[RuleFile]) -> list[RuleFile]:
    """The rule files whose html sections apply: matched site files first, then the generic packs.

    Imported FiveFilters files (``imported: ftr``) are among them; extract_html gives
    them the guarded pass rather than applying them like hand-written files.
    """
    return [f for f in (*sites, *generic) if f.html]


# --- html tests: the snippets inside rule files ---

def _snippet_text(snippet: str, rule_file: RuleFile | None) -> tuple[str, list[str]]:
    """Text of ``snippet`` after ``rule_file``'s selectors ran on it (none when None), and their warnings."""
    tree = parse(f"<html><body>{snippet}</body></html>")
    if tree is None:
        return "", []
    warnings = remove_elements(tree, [rule_file], guard=False)[1] if rule_file else []
    return _text(tree), warnings


def test_html(rule_file: RuleFile) -> list[Failure]:
    """Run a rule file's ``html.tests``: a ``remove`` snippet loses all its text, a ``keep`` one none.

    The size guard is off here: a selector broad enough to hit an article
    wrapper must fail its keep test rather than be saved by the guard.
    """
    tests = (rule_file.html or {}).get("tests") or {}
    failures: list[Failure] = []
    for expected in ("remove", "keep"):
        for snippet in tests.get(expected, []):
            before, _ = _snippet_text(snippet, None)
            after, warnings = _snippet_text(snippet, rule_file)
            ok = (before and not after) if expected == "remove" else after == before
            if warnings or not ok:
                failures.append(Failure(rule_file.path, expected, snippet, kind="html"))
    return failures


def count_html_tests(rule_file: RuleFile) -> int:
    """How many html snippets a rule file carries."""
    tests = (rule_file.html or {}).get("tests") or {}
    return sum(len(v) for v in tests.values())
