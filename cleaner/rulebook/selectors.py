"""A rule file's DOM selectors, read once when the file loads: which ones a page's attribute index answers.

Most DOM rules are ``.class``, ``#id``, ``tag.class`` or an attribute test,
and most imported FiveFilters strips are the class-or-id token XPath the
importer writes (:func:`token_xpath`); as XPath each is a walk over the whole
page, looked up in the page's index each is a dictionary access
(stages/html/dom.ClassIndex). Reading a selector for that is done here, once
per rule file, not on every page; any other selector is left to lxml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

# CSS selectors the index answers: ``.class`` and ``#id``, and ``[attr]``, ``[attr="value"]`` and
# ``[attr^="value"]`` (double quotes, no escapes), each maybe after a tag (and, for the last three, a class)
_SIMPLE_CSS = re.compile(r"(?P<tag>[a-z][a-z0-9]*)?(?P<sign>[.#])(?P<name>[A-Za-z_][\w-]*)")
_ATTRIBUTE_CSS = re.compile(r'(?P<tag>[a-z][a-z0-9]*)?(?:\.(?P<class>[A-Za-z_][\w-]*))?\[(?P<name>[A-Za-z_][\w-]*)'
                            r'(?:(?P<sign>\^?=)"(?P<value>[^"\\\n]*)")?\]')
_TOKEN_XPATH = re.compile(r"//\*\[contains\(concat\(' ',normalize-space\(@class\),' '\),' (?P<name>[^\s']+) '\) or "
                          r"contains\(concat\(' ',normalize-space\(@id\),' '\),' (?P=name) '\)\]")


def token_xpath(name: str) -> str:
    """FTR 3.x / Graby's ``strip_id_or_class``: a whole class or id token equal to ``name`` (not a substring)."""
    return (f"//*[contains(concat(' ',normalize-space(@class),' '),' {name} ') or "
            f"contains(concat(' ',normalize-space(@id),' '),' {name} ')]")


@dataclass(frozen=True)
class Query:
    """A CSS selector the index answers: elements whose ``attribute`` is there (sign None), equals
    ``value`` ("="), starts with it ("^=") or holds it as a class token ("."); of ``tag`` if given;
    holding the class token ``needs_class`` if given (then the index answers only when no element does)."""

    tag: str | None
    attribute: str
    sign: str | None
    value: str
    needs_class: str | None = None


@dataclass(frozen=True)
class Selector:
    """One ``html.remove`` (CSS) or ``html.remove_xpath`` entry, with what the index can answer of it."""

    text: str  # as written in the rule file: what explain and the removals show
    css: bool
    query: Query | None = None  # CSS the index answers
    token: str | None = None  # the class-or-id token of an importer's token XPath


def css_query(selector: str) -> Query | None:
    """The selector as a :class:`Query`, None for any other (or ``[a^=""]``, which matches nothing)."""
    simple = _SIMPLE_CSS.fullmatch(selector)
    if simple is not None:
        sign = simple["sign"]
        return Query(simple["tag"], "class" if sign == "." else "id", sign if sign == "." else "=", simple["name"])
    attribute = _ATTRIBUTE_CSS.fullmatch(selector)
    if attribute is None or attribute["value"] == "" and attribute["sign"] == "^=":
        return None
    return Query(attribute["tag"], attribute["name"], attribute["sign"], attribute["value"] or "", attribute["class"])


def parse_selector(text: str, css: bool) -> Selector:
    """``text`` read for the index: a CSS query, a token XPath's token, or neither."""
    if css:
        return Selector(text, True, query=css_query(text))
    token = _TOKEN_XPATH.fullmatch(text)
    return Selector(text, False, token=token["name"] if token else None)


def file_selectors(html: Mapping[str, Any]) -> tuple[Selector, ...]:
    """The selectors of a rule file's ``html`` section, CSS first, as the DOM stage applies them."""
    return (*(parse_selector(s, True) for s in html.get("remove", [])),
            *(parse_selector(s, False) for s in html.get("remove_xpath", [])))
