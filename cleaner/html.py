"""The HTML stage: raw HTML -> DOM rules -> trafilatura -> text and metadata for the text stage.

The page is parsed once with lxml. The matched site files' and the generic
packs' ``html.remove`` (CSS) and ``html.remove_xpath`` selectors drop share
bars, ad slots, comment forms and related blocks from the tree *before*
extraction, because trafilatura keeps some of them (its issues #584, #916,
#929) and the text rules then see less residue. Every element removed is
logged as a :class:`DomRemoval` (file, selector, text snippet) for ``explain``.
trafilatura then extracts body and metadata from the pruned tree, with reader
comments off (DESIGN: comments cost about 6 F1 points on news).

lxml, cssselect and trafilatura are imported here and only when HTML is seen,
so ``cleaner check`` on text files never loads them.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable

from .document import DomRemoval

if TYPE_CHECKING:  # pragma: no cover
    from lxml.html import HtmlElement

    from .rulefile import RuleFile

SNIPPET_CHARS = 80
# A selector hit holding at least this share of the page's paragraph text is
# taken for a stale or too broad selector hitting the article, and kept.
MAX_PARAGRAPH_SHARE = 0.5
MIN_GUARDED_CHARS = 200  # below this, a block is too small to be the article
IMPORTED_PREFIX = "ftr/"  # rule files imported from FiveFilters; see html_files()
METADATA_FIELDS = ("title", "authors", "date", "sitename", "description", "categories", "tags",
                   "language", "image", "url")
# trafilatura's settings, chosen by bench/quality.py (see bench/RESULTS.md)
EXTRACT_OPTIONS = {"include_comments": False, "include_tables": True, "favor_precision": False}


@dataclass(frozen=True)
class Extraction:
    """What the HTML stage hands to the text stage."""

    text: str  # paragraphs separated by one blank line
    metadata: dict[str, Any]  # header fields taken from the HTML (only those found)
    removals: tuple[DomRemoval, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class HtmlFailure:
    """An html test snippet that a rule file's selectors did not handle as its test says."""

    file: str
    expected: str  # "remove" or "keep"
    snippet: str

    def __str__(self) -> str:
        verb = "did not remove the text of" if self.expected == "remove" else "removed text of"
        return f"{self.file}: html {verb}: {self.snippet[:120]!r}"


def _kind(rule_file: RuleFile) -> str:
    """A generic pack's removals count under its rules' kind (sharing -> share); site files' under 'html'."""
    if rule_file.is_site or not rule_file.rules:
        return "html"
    return rule_file.rules[0].kind


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

    None for markup that makes no tree (empty, comments only).
    """
    from trafilatura.utils import load_html

    return load_html(html)


def _text(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _paragraph_chars(tree: HtmlElement) -> int:
    return sum(len(_text(p)) for p in tree.iter("p"))


def _outermost(elements: list[HtmlElement]) -> list[HtmlElement]:
    """The elements not inside another one of the list (each removed once, counted once)."""
    chosen = set(elements)
    return [e for e in elements if not any(a in chosen for a in e.iterancestors())]


def _file_hits(tree: HtmlElement, rule_file: RuleFile) -> tuple[list[tuple[str, HtmlElement]], list[str]]:
    """(selector, element) pairs a rule file's selectors match, outermost only; and bad-selector warnings."""
    from lxml.html import HtmlElement

    pairs: list[tuple[str, HtmlElement]] = []
    warnings: list[str] = []
    for selector, css in selectors(rule_file):
        try:
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
                    guard: bool = True) -> tuple[list[DomRemoval], list[str]]:
    """Drop every element the files' selectors match; (removals, warnings). Never drops <html>/<body>.

    With ``guard``, a rule file whose hits together hold more than
    MAX_PARAGRAPH_SHARE of the page's paragraph text removes nothing and is
    warned about: a stale or too broad site selector must not delete the
    article (DESIGN: keep it, flag it, say which rules did it).
    """
    removals: list[DomRemoval] = []
    warnings: list[str] = []
    page_chars = _paragraph_chars(tree)
    for rule_file in files:
        hits, bad = _file_hits(tree, rule_file)
        warnings.extend(bad)
        held = sum(_paragraph_chars(e) for _, e in hits)
        if guard and held >= MIN_GUARDED_CHARS and held > MAX_PARAGRAPH_SHARE * page_chars:
            warnings.append(f"{rule_file.name}: html selectors would remove {held} of the page's {page_chars} "
                            "paragraph characters; none applied")
            continue
        for selector, element in hits:
            removals.append(DomRemoval(rule_file=rule_file.name, selector=selector,
                                       text=_text(element)[:SNIPPET_CHARS], kind=_kind(rule_file)))
            element.drop_tree()
    return removals, warnings


def apply_replacements(html: str, files: Iterable[RuleFile]) -> str:
    """The files' ``html.replace`` find/replace pairs, in order, on the raw markup."""
    for rule_file in files:
        for pair in (rule_file.html or {}).get("replace", []):
            html = html.replace(pair["find"], pair["replace"])
    return html


def _metadata(doc: Any, url: str | None) -> dict[str, Any]:
    """trafilatura's metadata as header fields; absent values are left out so text heuristics may fill them."""
    found: dict[str, Any] = {
        "title": doc.title,
        "authors": [a.strip() for a in doc.author.split(";") if a.strip()] if doc.author else None,
        "date": doc.date,
        "sitename": doc.sitename,
        "description": doc.description,
        "categories": [c for c in doc.categories or [] if c] or None,
        "tags": [t for t in doc.tags or [] if t] or None,
        "language": doc.language,
        "image": doc.image,
        "url": None if url else doc.url,
    }
    return {key: found[key] for key in METADATA_FIELDS if found[key] not in (None, "", [])}


def extract_html(html: str, files: list[RuleFile], url: str | None = None) -> Extraction:
    """Run the HTML stage on one page with the given rule files (site files first, then generic packs)."""
    import trafilatura

    tree = parse(apply_replacements(html, files))
    if tree is None:
        return Extraction(text="", metadata={}, removals=(), warnings=("html: nothing to parse",))
    removals, warnings = remove_elements(tree, files)
    doc = trafilatura.bare_extraction(tree, url=url, with_metadata=True, **EXTRACT_OPTIONS)
    if doc is None:
        return Extraction(text="", metadata={}, removals=tuple(removals), warnings=tuple(warnings))
    text = _without_title(doc.text or "", doc.title)
    return Extraction(text=text, metadata=_metadata(doc, url), removals=tuple(removals),
                      warnings=tuple(warnings))


def _without_title(text: str, title: str | None) -> str:
    """Paragraphs separated by blank lines, less a first line repeating the title (it goes to the header)."""
    paragraphs = [line for line in text.split("\n") if line.strip()]
    if paragraphs and title and " ".join(paragraphs[0].split()).casefold() == " ".join(title.split()).casefold():
        paragraphs = paragraphs[1:]
    return "\n\n".join(paragraphs)


def html_files(generic: Iterable[RuleFile], sites: Iterable[RuleFile]) -> list[RuleFile]:
    """The rule files whose html sections apply: matched site files first, then the generic packs.

    Imported FiveFilters files (``ftr/``) are left out: their strip lists were
    written for FTR's own body selection, and applied to the whole page before
    trafilatura they cut article text (measured with bench/quality.py: two
    pages of the dev set fell to recall 0.00 and 0.47). Hand-written site
    files and user folders apply.
    """
    return [f for f in (*sites, *generic) if f.html and not f.name.startswith(IMPORTED_PREFIX)]


# --- html tests: the snippets inside rule files ---

def _snippet_text(snippet: str, rule_file: RuleFile | None) -> tuple[str, list[str]]:
    """Text of ``snippet`` after ``rule_file``'s selectors ran on it (none when None), and their warnings."""
    tree = parse(f"<html><body>{snippet}</body></html>")
    if tree is None:
        return "", []
    warnings = remove_elements(tree, [rule_file], guard=False)[1] if rule_file else []
    return _text(tree), warnings


def test_html(rule_file: RuleFile) -> list[HtmlFailure]:
    """Run a rule file's ``html.tests``: a ``remove`` snippet loses all its text, a ``keep`` one none.

    The size guard is off here: a selector broad enough to hit an article
    wrapper must fail its keep test rather than be saved by the guard.
    """
    tests = (rule_file.html or {}).get("tests") or {}
    failures: list[HtmlFailure] = []
    for expected in ("remove", "keep"):
        for snippet in tests.get(expected, []):
            before, _ = _snippet_text(snippet, None)
            after, warnings = _snippet_text(snippet, rule_file)
            ok = (before and not after) if expected == "remove" else after == before
            if warnings or not ok:
                failures.append(HtmlFailure(rule_file.path, expected, snippet))
    return failures


def count_html_tests(rule_file: RuleFile) -> int:
    """How many html snippets a rule file carries."""
    tests = (rule_file.html or {}).get("tests") or {}
    return sum(len(v) for v in tests.values())
