"""Title, authors, date, lang and page_type of an HTML page, from every source it has.

trafilatura's metadata (htmlmeta.page_metadata) takes the first source that
answers; a page often has several, and the best is the one the reader sees.
So each field weighs them:

- **title**: the visible headline (an ``<h1>``) when it matches one of the
  titles the page states (og:title, twitter:title, JSON-LD headline,
  ``<title>``); else the page's first ``<h1>`` that is not the site's name;
  else the stated title less a site-name part (" | Site", " - Site", as
  og:site_name, application-name or the domain spell it).
- **authors**: JSON-LD's author of the page's content object (``@graph``
  and ``@id`` references followed, lists and objects read), then the meta
  tags (author, article:author, parsely/sailthru/dc/citation, a
  "Written by" twitter label), then trafilatura's (meta, byline elements),
  then an organisation JSON-LD names; failing all, and a site file's author
  XPath, a "By Jane Doe" line near the headline (:func:`byline_authors`).

Everything is read from the page as it is before any imported file's strip
(:func:`read_header`), which may drop the byline or the ``<h1>``; the
extracted text completes lang and page_type (:meth:`PageHeader.fields`).
- **date**: htmldate's publication date (trafilatura's settings) when the
  page's text shows that day (or a ``<time>`` holds it); else the date
  written nearest the headline; else htmldate's, else the first the page
  states (JSON-LD and meta published, then modified).
- **lang**: what the page declares (``<html lang>``, content-language,
  og:locale, JSON-LD inLanguage), as its primary subtag ("en-GB" -> "en");
  else the language whose stopwords the extracted text uses most
  (:func:`detected_lang`; lexicon ``languages``).
- **page_type**: stages/pagetype.py.
"""
from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import regex

from ..rulebook.index import registrable_domain
from ..rulebook.lexicons import Groups, Lexicons
from ..rulebook.site import host_of
from .dates import written_dates
from .jsonld import LinkedData, first_text, read_linked_data
from .pagetype import page_type, schema_types, type_of_text

if TYPE_CHECKING:  # pragma: no cover
    from lxml.html import HtmlElement

TEXT_CHARS = 60_000  # visible text read for the page type's cues
HEADLINES = 5  # <h1> elements looked at
MATCH_SHARE = 0.6  # share of a headline's words a stated title must hold (and of the title's, less its site part, 0.5)
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head"})
TITLE_META = ("og:title", "twitter:title")
AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "citation_author")
AUTHOR_LABEL = re.compile(r"\b(?:written|author|by)\b", re.IGNORECASE)  # twitter:label1 "Written by" -> twitter:data1
PUBLISHED_META = ("article:published_time", "datepublished", "og:published_time", "pubdate", "publish-date")
MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "last-modified", "updated")
LANG_META = ("content-language", "language", "dc.language", "og:locale")
SITE_META = ("og:site_name", "application-name", "apple-mobile-web-app-title")
SEPARATOR = re.compile(r"\s+(?:[|\-–—•·»:~/]|::)\s+")
WORD = re.compile(r"\w+")
LETTERS = re.compile(r"[^\W\d_]+")  # words without digits: "28" is a stopword of no language
ISO_DAY = re.compile(r"((?:19|20)\d\d)-(\d\d)-(\d\d)")
LANG_SAMPLE = 1000
LANG_MIN_WORDS = 10
LANG_MIN_SHARE = 0.25  # share of a text's words its language's stopword list holds (English prose: about half)
BYLINE_WINDOW = 400
BYLINE_LINES = 4
_NAME_LINE = regex.compile(r"\p{Lu}[\p{L}'’.-]+(?: \p{Lu}[\p{L}'’.-]*){1,4}")
DATE_WINDOW = 500  # characters either side of the headline where a written date dates the page
YEAR_MENTIONS = 50  # mentions of a year whose surroundings are read to see whether a day is written
YEAR_SPAN = 30  # characters either side of a year's mention: "Wednesday, September 28th, 2025" fits
LANG_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*")


@dataclass(frozen=True)
class PageHeader:
    """What a page says of itself, read before anything strips it; :meth:`fields` completes it from the article text.

    ``found``: title, authors, date, the declared lang and the page type its
    evidence gives (None where nothing gives one); ``byline``: the name of a
    "By ..." line under the headline, for when nothing else names the authors.
    """

    found: dict[str, Any]
    byline: list[str] | None
    lexicons: Lexicons

    def fields(self, extracted: str) -> dict[str, Any]:
        """The header fields, lang and page_type from the ``extracted`` text where the page says nothing."""
        found = {**self.found, "lang": self.found["lang"] or detected_lang(extracted, self.lexicons),
                 "page_type": self.found["page_type"] or type_of_text(extracted)}
        return {key: value for key, value in found.items() if value}


def read_header(tree: HtmlElement, url: str | None, stated: Any, lexicons: Lexicons) -> PageHeader:
    """Title, authors, date, lang and page_type as ``tree`` gives them.

    ``stated``: trafilatura's metadata of the page (htmlmeta.page_metadata),
    one source among the others.
    """
    data = read_linked_data(tree)
    meta = meta_values(tree)
    types = [t for _, found in data.typed() for t in found]
    main = content_object(data, lexicons)
    text = visible_text(tree)
    heads = headlines(tree)
    heading = next(iter(heads), None)
    site = site_words(meta, url)
    byline = byline_authors(text, heading, lexicons)
    found = {
        "title": choose_title(heads, stated_titles(tree, meta, main, stated.title), site),
        "authors": choose_authors(tree, meta, data, main, stated.author, site, lexicons, byline),
        "date": choose_date(tree, stated.date, stated_dates(meta, main), text, heading),
        "lang": declared_lang(tree, meta, data),
        "page_type": page_type(schema_types(tree, types), meta.get("og:type"), url, tree, text, lexicons),
    }
    return PageHeader(found, byline, lexicons)


def meta_values(tree: HtmlElement) -> dict[str, str]:
    """The first non-empty ``content`` of each meta name, property, itemprop or http-equiv, casefolded, entities decoded."""
    values: dict[str, str] = {}
    for element in tree.iter("meta"):
        content = " ".join(html.unescape(element.get("content") or "").split())
        if not content:
            continue
        for attribute in ("name", "property", "itemprop", "http-equiv"):
            key = (element.get(attribute) or "").strip().casefold()
            if key and key not in values:
                values[key] = content
    return values


def content_object(data: LinkedData, lexicons: Lexicons) -> dict[str, Any]:
    """The JSON-LD object that describes the page's content: the first whose type a page-type group names.

    Failing that, the first object with a headline or an author (a bare
    WebPage often carries them); an empty one when there is none.
    """
    known = {name.casefold() for _, names in lexicons.page_types_schema for name in names}
    typed = list(data.typed())
    return (next((obj for obj, types in typed if known & {t.casefold() for t in types}), None)
            or next((obj for obj, _ in typed if "headline" in obj or "author" in obj), None) or {})


def visible_text(tree: HtmlElement) -> str:
    """The page's text a reader sees (no scripts, styles, templates or head), up to TEXT_CHARS.

    One line per text node: a name in one element does not run on into the next.
    """
    pieces: list[str] = []
    size = 0
    stack: list[Any] = [tree]
    while stack and size < TEXT_CHARS:
        item = stack.pop()
        if isinstance(item, str):
            pieces.append(item)
            size += len(item)
            continue
        if not isinstance(item.tag, str) or item.tag in SKIP_TAGS:
            if item.tail:
                stack.append(item.tail)
            continue
        if item.tail:
            stack.append(item.tail)
        stack.extend(reversed(item))
        if item.text:
            stack.append(item.text)
    return "\n".join(line for line in (" ".join(piece.split()) for piece in pieces) if line)[:TEXT_CHARS]


# --- title ---

def headlines(tree: HtmlElement) -> list[str]:
    """The text of the page's first few ``<h1>`` elements."""
    found = []
    for element in tree.iter("h1"):
        text = " ".join(element.text_content().split())
        if text:
            found.append(text)
        if len(found) == HEADLINES:
            break
    return found


def stated_titles(tree: HtmlElement, meta: dict[str, str], main: dict[str, Any], trafilatura_title: str | None) -> list[str]:
    """The titles the page states for itself, most trusted first."""
    head_title = next((" ".join(e.text_content().split()) for e in tree.iter("title")), "")
    found = [meta.get(key) for key in TITLE_META] + [first_text(main, "headline", "name"), head_title,
                                                     trafilatura_title]
    return list(dict.fromkeys(" ".join(html.unescape(t).split()) for t in found if t))


def site_words(meta: dict[str, str], url: str | None) -> set[str]:
    """The words that name the site: its stated names and its domain's label (``example`` of news.example.co.uk)."""
    words = {w for key in SITE_META for w in _words(meta.get(key))}
    host = host_of(url)
    domain = (registrable_domain(host) or host) if host else ""
    label = domain.split(".")[0] if domain else ""
    if label:
        words |= {*_words(label), label.replace("-", "").casefold()}
    return words


def choose_title(headings: list[str], stated: list[str], site: set[str]) -> str | None:
    """The headline a reader sees when a stated title backs it; else the first non-site h1; else a stated one, stripped."""
    for heading in headings:
        if any(_covers(title, heading) and _covers(heading, strip_site_name(title, site), 0.5) for title in stated):
            return heading
    for heading in headings:
        words = set(_words(heading))
        if len(words) >= 2 and not words <= site:
            return heading
    return strip_site_name(stated[0], site) if stated else None


def strip_site_name(title: str, site: set[str]) -> str:
    """``title`` less its parts that name the site, at either end: "Story | Site" -> "Story"."""
    parts = SEPARATOR.split(title)
    if len(parts) < 2 or not site:
        return title
    start, end = 0, len(parts)
    while end - start > 1 and _names_site(parts[end - 1], site):
        end -= 1
    while end - start > 1 and _names_site(parts[start], site):
        start += 1
    first = title.index(parts[start])
    last = title.rindex(parts[end - 1]) + len(parts[end - 1])
    return title[first:last] if (start, end) != (0, len(parts)) else title


def _names_site(part: str, site: set[str]) -> bool:
    words = set(_words(part)) or {part.casefold()}
    return len(words & site) / len(words) >= 0.5 or part.replace(" ", "").casefold() in site


def _covers(container: str, inner: str, share: float = MATCH_SHARE) -> bool:
    """Whether ``container`` holds at least ``share`` of ``inner``'s words."""
    words = set(_words(inner))
    return bool(words) and len(words & set(_words(container))) / len(words) >= share


def _words(text: str | None) -> list[str]:
    return [w.casefold() for w in WORD.findall(text or "")]


# --- authors ---

def choose_authors(tree: HtmlElement, meta: dict[str, str], data: LinkedData, main: dict[str, Any],
                   trafilatura_author: str | None, site: set[str], lexicons: Lexicons,
                   byline: list[str] | None) -> list[str] | None:
    """The first source that names people: JSON-LD's content object, the meta tags, trafilatura's search.

    Names that are the site's own (its name, an organisation JSON-LD types
    as one) or that read as a date ("Dec", "Updated January": a byline
    search hitting the dateline) go last, after a "By ..." line under the
    headline (``byline``, :func:`byline_authors`); a page with no name at all
    is left to a site file's author XPath, and then to that line. A value
    that is only a label ("Written By", :func:`is_label`) names no one.
    """
    stated = main.get("author") or main.get("creator")
    sources = (data.people(stated, organisations=False), _meta_authors(tree, meta),
               _split_names(trafilatura_author or ""), data.people(stated))
    found = [kept for names in sources if (kept := _names_of(names, lexicons))]
    people = next((names for names in found if not any(_not_a_person(name, site, lexicons) for name in names)), None)
    return people or (byline if any(sources) else None) or next(iter(found), None)


def _names_of(values: list[str], lexicons: Lexicons) -> list[str]:
    """A source's values that can be names: trimmed of the punctuation a joined value leaves at its ends
    (", USA TODAY"), with a letter, not a label."""
    names = (value.strip(" ,;:|-–—") for value in values)
    return [name for name in names if any(c.isalpha() for c in name) and not is_label(name, lexicons)]


def is_label(name: str, lexicons: Lexicons) -> bool:
    """Whether an author value is only a label or template field's words (lexicon ``author-labels``)."""
    labels = set(lexicons.author_labels)
    return all(word in labels for word in _words(name))



def _not_a_person(name: str, site: set[str], lexicons: Lexicons) -> bool:
    """Whether ``name`` is the site's own or reads as a date."""
    words = _words(name)
    months = {month.casefold()[:3] for month in lexicons.months}
    return (not words or set(words) <= site or name.replace(" ", "").casefold() in site
            or any(word[:3] in months and len(word) <= 9 for word in words[:2]) and len(words) <= 2
            or words[0] in ("updated", "published", "posted"))


def _meta_authors(tree: HtmlElement, meta: dict[str, str]) -> list[str]:
    """Every value of the first author meta tag the page has (one tag per author is common), else a twitter label's."""
    for key in AUTHOR_META:
        if key in meta:
            values = [" ".join(v.split()) for v in tree.xpath(f'//meta[@name="{key}" or @property="{key}"]/@content')]
            names = [n for v in values if "://" not in v and not v.startswith("@") for n in _split_names(v)]
            if names:
                return list(dict.fromkeys(names))
    labelled = meta.get("twitter:data1") if AUTHOR_LABEL.search(meta.get("twitter:label1", "")) else None
    return _split_names(labelled) if labelled else []


def byline_authors(text: str, heading: str | None, lexicons: Lexicons) -> list[str] | None:
    """The name of a byline near the ``heading`` in the visible ``text``: "By Jane Doe", or a name beside a date.

    Within BYLINE_WINDOW characters of the headline: a byline word and a
    name; else, among the BYLINE_LINES lines under the headline, a line that
    is only a name (two to five capitalised words) next to a line that
    writes a date ("Jane Doe" / "March 5, 2024").
    """
    start = text.find(heading) if heading else -1
    if start < 0:
        return None
    found = _byline_pattern(lexicons).search(text, max(0, start - BYLINE_WINDOW), start + len(heading) + BYLINE_WINDOW)
    if found and _a_name_beside(found[1] or found[2], heading, lexicons):
        return [found[1] or found[2]]
    lines = text[start + len(heading):start + len(heading) + BYLINE_WINDOW].split("\n")[1:BYLINE_LINES + 1]
    dated = [bool(written_dates(line)) for line in lines]
    for at, line in enumerate(lines):
        if _NAME_LINE.fullmatch(line) and any(dated[max(0, at - 1):at + 2]) and _a_name_beside(line, heading, lexicons):
            return [line]
    return None


def _a_name_beside(name: str, heading: str, lexicons: Lexicons) -> bool:
    """Whether a byline's name is one: not the headline repeated, not a label ("In This Article")."""
    return _words(name) != _words(heading) and not is_label(name, lexicons)


@lru_cache(maxsize=8)
def _byline_pattern(lexicons: Lexicons) -> regex.Pattern:
    """``By Jane Doe``: a byline word (lexicon ``byline``), then two to five capitalised words or name particles;
    or the word on a line and a one-word name alone on the next ("by" / "Amanda")."""
    name = r"\p{Lu}[\p{L}'’.-]*"
    particles = "|".join(regex.escape(word) for word in lexicons.name_particles)
    words = "|".join(regex.escape(word) for word in lexicons.byline)
    return regex.compile(rf"(?<!\w)(?i:{words}):?(?:[ \n]+({name}(?: (?:{name}|{particles})){{0,3}} {name})(?!\w)|\n({name})\n)")


def _split_names(value: str) -> list[str]:
    """Names of a stated author line: split on ";" and "|" (trafilatura joins with "; ")."""
    names = [" ".join(re.sub(r"^by\s+", "", part.strip(), flags=re.IGNORECASE).split()) for part in re.split(r"[;|]", value)]
    return [name for name in dict.fromkeys(names) if name]


# --- date ---

def stated_dates(meta: dict[str, str], main: dict[str, Any]) -> list[str]:
    """The page's stated dates as ISO days: published (JSON-LD, then meta), then modified."""
    found = [first_text(main, "datePublished", "dateCreated"), *(meta.get(k) for k in PUBLISHED_META),
             first_text(main, "dateModified"), *(meta.get(k) for k in MODIFIED_META)]
    return list(dict.fromkeys(day for day in map(iso_day, found) if day))


def iso_day(value: str | None) -> str | None:
    found = ISO_DAY.match(value.strip()) if value else None
    return f"{found[1]}-{found[2]}-{found[3]}" if found else None


def choose_date(tree: HtmlElement, trafilatura_date: str | None, stated: list[str], text: str,
                heading: str | None) -> str | None:
    """htmldate's date when the page shows it; else the date written nearest the headline; else htmldate's.

    htmldate reads the metadata first; a page whose text never shows that
    day but writes another under its headline ("By Ann Lee | 12.12.2025")
    is dated by what its reader sees. No date from htmldate: the first the
    page states (JSON-LD, meta).
    """
    first = iso_day(trafilatura_date)
    if first is None and stated:
        first = stated[0]
    if first and (first in time_values(tree) or _shows(text, first)):
        return first
    start = text.find(heading) if heading else -1
    if start >= 0:
        zone = max(0, start - DATE_WINDOW)
        near = [(abs(zone + at - start), day)
                for at, day in written_dates(text[zone:start + len(heading) + DATE_WINDOW])]
        if near:
            return min(near)[1]
    return first or trafilatura_date


def _shows(text: str, day: str) -> bool:
    """Whether ``text`` writes ``day``: the surroundings of each mention of its year (YEAR_MENTIONS at most) are read."""
    year, at = day[:4], text.find(day[:4])
    for _ in range(YEAR_MENTIONS):
        if at < 0:
            return False
        if any(found == day for _, found in written_dates(text[max(0, at - YEAR_SPAN):at + YEAR_SPAN])):
            return True
        at = text.find(year, at + 4)
    return False


def time_values(tree: HtmlElement) -> set[str]:
    """The days of the page's ``<time datetime>`` elements."""
    return {day for value in tree.xpath("//time/@datetime") if (day := iso_day(str(value)))}


# --- lang ---

def declared_lang(tree: HtmlElement, meta: dict[str, str], data: LinkedData) -> str | None:
    """The language the page declares, as a lower-case primary subtag; None when it declares none."""
    root = tree.getroottree().getroot()
    stated = [root.get("lang"), root.get("{http://www.w3.org/XML/1998/namespace}lang"),
              *(meta.get(key) for key in LANG_META),
              *(first_text(obj, "inLanguage") for obj in data.objects[:20])]
    return next((lang for lang in map(primary_subtag, stated) if lang), None)


def primary_subtag(value: str | None) -> str | None:
    """``en-GB`` -> ``en``; None for what is not a language tag (``x-default``, ``*``, empty)."""
    found = LANG_TAG.fullmatch((value or "").strip().split(",")[0].strip())
    return found[1].casefold() if found and found[1].casefold() not in ("x", "und", "mul", "zxx") else None


def detected_lang(text: str, lexicons: Lexicons) -> str | None:
    """The language of ``text`` by its stopwords: the code of lexicon ``languages`` whose lists hold most of its words,
    each word counted as 1/n for the n languages that hold it.

    jusText's stopword lists (installed with trafilatura) stand in for a
    language model: no numpy, nothing to load but small word lists, and the
    words of one line of a text say which of these languages it is. None for
    a text of fewer than LANG_MIN_WORDS words, or whose best language holds
    under LANG_MIN_SHARE of them (a language not in the lexicon).
    """
    words = [word.casefold() for word in LETTERS.findall(text[:LANG_SAMPLE])]
    if len(words) < LANG_MIN_WORDS:
        return None
    index = _stopword_index(lexicons.languages)
    held = Counter(code for word in words for code in index.get(word, ()))
    weight: Counter[str] = Counter()
    for word in words:  # a word many lists hold ("a", "de") says little about which language it is
        codes = index.get(word, ())
        weight.update({code: 1 / len(codes) for code in codes})
    code = max(weight, key=lambda c: (weight[c], c), default=None)
    return code if code is not None and held[code] >= LANG_MIN_SHARE * len(words) else None


@lru_cache(maxsize=8)
def _stopword_index(languages: Groups) -> dict[str, tuple[str, ...]]:
    """Stopword -> the codes of lexicon ``languages`` whose lists hold it."""
    from .linemodel import stoplist

    index: dict[str, list[str]] = {}
    for code, names in languages:
        for word in frozenset().union(*(stoplist(name) for name in names)):
            index.setdefault(word, []).append(code)
    return {word: tuple(codes) for word, codes in index.items()}
