"""The header's ``page_type``: what kind of page an HTML page is, from what it says of itself, then its shape.

Evidence in order, first that speaks wins: the schema.org types of its
JSON-LD and microdata, its URL's path, its structure (code blocks under
many headings: documentation; the cues its visible text shows: buying
controls, post furniture, search filters, calls to a service), its og:type
(after the structure: many sites send "article" for every page), and last
an article's worth of extracted text (ARTICLE_WORDS). The words are data,
four lexicons (``rules/lexicons/page-types-*.yaml``); a page none of them
speaks for is ``other``. ``status`` stays the verdict on whether an article is there;
this says what the page around it is. Text input has no page to read:
its ``page_type`` is what its front matter says, else left out.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

import regex

from ..rulebook.lexicons import Groups, Lexicons

if TYPE_CHECKING:  # pragma: no cover
    from lxml.html import HtmlElement

PAGE_TYPES = ("article", "forum", "product", "listing", "collection", "documentation", "service", "other")
DOC_CODE_BLOCKS = 3  # <pre> blocks, with DOC_HEADINGS h2/h3, make a page documentation
DOC_HEADINGS = 4
CUE_ENTRIES = 2  # different cue entries of one type its text must show
ARTICLE_WORDS = 200  # words of extracted text that make a page nothing else speaks for an article
SHELF_REPEATS = 3  # one product cue this often: many products, a collection


def page_type(types: Iterable[str], og_type: str | None, url: str | None, tree: HtmlElement, text: str,
              lexicons: Lexicons) -> str | None:
    """The page type of a page with these schema.org ``types``, ``og_type``, ``url``, ``tree`` and visible ``text``.

    None when none of them speaks: :func:`type_of_text` decides then.
    """
    return (type_of_schema(types, lexicons) or type_of_url(url, lexicons) or type_of_structure(tree, text, lexicons)
            or type_of_og(og_type, lexicons))


def type_of_text(extracted: str) -> str:
    """A page nothing else speaks for: an article when trafilatura found ARTICLE_WORDS of text on it, else other."""
    return "article" if len(extracted.split()) >= ARTICLE_WORDS else "other"


def schema_types(tree: HtmlElement, stated: Iterable[str]) -> list[str]:
    """The JSON-LD types ``stated`` and the microdata ``itemtype`` values of ``tree``, in that order."""
    microdata = [t for value in tree.xpath("//@itemtype") for t in str(value).split()]
    return [*stated, *microdata]


def type_of_schema(types: Iterable[str], lexicons: Lexicons) -> str | None:
    """The first group of ``page-types-schema`` naming one of ``types`` (a schema.org URL counts by its last part)."""
    have = {t.rstrip("/").rsplit("/", 1)[-1].casefold() for t in types}
    return next((kind for kind, names in lexicons.page_types_schema if have & {n.casefold() for n in names}), None)


def type_of_og(og_type: str | None, lexicons: Lexicons) -> str | None:
    value = (og_type or "").strip().casefold()
    return next((kind for kind, values in lexicons.page_types_og if value in {v.casefold() for v in values}), None)


def type_of_url(url: str | None, lexicons: Lexicons) -> str | None:
    """The first group of ``page-types-url`` with a pattern matching the URL's path and query."""
    from urllib.parse import urlsplit

    if not url:
        return None
    parts = urlsplit(url if "//" in url else "//" + url)
    where = parts.path + ("?" + parts.query if parts.query else "")
    if where in ("", "/"):
        return None
    return next((kind for kind, pattern in _patterns(lexicons.page_types_url) if pattern.search(where)), None)


def type_of_structure(tree: HtmlElement, text: str, lexicons: Lexicons) -> str | None:
    """documentation from code blocks under headings, else the type whose cues the text shows."""
    if (sum(1 for _ in tree.iter("pre")) >= DOC_CODE_BLOCKS
            and sum(1 for _ in tree.iter("h2", "h3")) >= DOC_HEADINGS):
        return "documentation"
    return type_of_cues(text, lexicons)


def type_of_cues(text: str, lexicons: Lexicons) -> str | None:
    """The first type of ``page-types-cues`` of which ``text`` shows CUE_ENTRIES different entries.

    A product cue shown SHELF_REPEATS times or more ("Add to cart" under
    each of many items) makes the page a collection of products.
    """
    for kind, patterns in _cue_patterns(lexicons.page_types_cues):
        counts = [len(pattern.findall(text)) for pattern in patterns]
        if sum(1 for count in counts if count) >= CUE_ENTRIES:
            return "collection" if kind == "product" and max(counts) >= SHELF_REPEATS else kind
    return None


@lru_cache(maxsize=8)
def _patterns(groups: Groups) -> tuple[tuple[str, regex.Pattern], ...]:
    return tuple((kind, regex.compile(f"(?:{'|'.join(values)})", regex.IGNORECASE)) for kind, values in groups)


@lru_cache(maxsize=8)
def _cue_patterns(groups: Groups) -> tuple[tuple[str, tuple[regex.Pattern, ...]], ...]:
    return tuple((kind, tuple(regex.compile(rf"(?<!\w){value}(?!\w)", regex.IGNORECASE) for value in values))
                 for kind, values in groups)
