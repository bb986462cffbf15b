"""Header fields from plain text: title, section, dateline, agency, people.

No library parses wire datelines or credit lines from plain text, so this
is a small grammar. It reads the lines as the rules left
them: title and section come from the kept head of the document, credits and
captions from the lines rules moved to the header. It never invents: a
dateline without a year gives no date.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping

import regex

from ..rulebook.lexicons import Lexicons
from .dates import is_date_alone
from .document import STATUSES, Removal
from .text import Line, looks_like_prose

_PLACE_WORD = r"\p{Lu}[\p{L}.'’-]*"
_PLACE = rf"{_PLACE_WORD}(?:[ -]{_PLACE_WORD})*(?:, {_PLACE_WORD}(?: {_PLACE_WORD})*)?"
_IN_PLACE = regex.compile(r" in \p{Lu}[\p{L}.'’-]*(?: \p{Lu}[\p{L}.'’-]*)*$")
SECTION_MAX_WORDS = 3
TITLE_MAX_WORDS = 30
MEASURED = ("url", "metadata_from", "html_removed")  # what a run finds of its own input: this run's, when it has them


@dataclass(frozen=True)
class Grammar:
    """The patterns made from the lexicons (rulebook/lexicons.py), compiled once per set of lexicons."""

    agencies: dict[str, str]  # spelling, casefolded -> agency name
    agency_token: regex.Pattern
    dateline_with_agency: regex.Pattern
    dateline_caps: regex.Pattern
    role: regex.Pattern
    editor_roles: frozenset[str]  # casefolded


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(regex.escape(word) for word in words)


@lru_cache(maxsize=8)
def grammar(lexicons: Lexicons) -> Grammar:
    """Datelines ('WASHINGTON, Jan. 18 (Reuters) -') and credit lines, from the lexicons' words."""
    agencies = {spelling.casefold(): name for name, spellings in lexicons.agencies for spelling in spellings}
    token = "|".join(sorted((regex.escape(k) for k in agencies), key=len, reverse=True))
    month = rf"(?:{_alternatives(lexicons.months)})[a-z]*\.?"
    roles = dict(lexicons.credit_roles)
    role_words = sorted(dict.fromkeys(roles.get("authors", ()) + roles.get("editors", ())), key=len, reverse=True)
    name = rf"\p{{Lu}}[\p{{L}}.'’-]+(?: (?:\p{{Lu}}[\p{{L}}.'’-]*|{_alternatives(lexicons.name_particles)}))*"
    names = rf"{name}(?:(?:,? and |, ){name})*"
    return Grammar(
        agencies=agencies,
        agency_token=regex.compile(rf"\b({token})\b", regex.IGNORECASE),
        dateline_with_agency=regex.compile(
            rf"(?P<dateline>{_PLACE}(?:,? {month} \d{{1,2}}(?:, \d{{4}})?)?)\s*"
            r"\((?P<agency>[\p{L} .&-]{2,40})\)\s*(?:\.?\s?[-–—:])"),
        dateline_caps=regex.compile(
            rf"(?P<dateline>\p{{Lu}}{{2,}}(?:[ -]\p{{Lu}}{{2,}})*(?:, {_PLACE_WORD}(?: {_PLACE_WORD})*)?"
            rf"(?:,? {month} \d{{1,2}}(?:, \d{{4}})?)?)\s+[-–—]\s"),
        role=regex.compile(
            rf"(?:(?:{_alternatives(roles.get('qualifiers', ()))}) )?(?P<role>{_alternatives(role_words)})"
            rf"(?: by)?:? (?P<names>{names})", regex.IGNORECASE),
        editor_roles=frozenset(word.casefold() for word in roles.get("editors", ())),
    )


def agency_name(text: str, lexicons: Lexicons) -> str | None:
    """The canonical name of the news agency mentioned in ``text``, if any."""
    rules = grammar(lexicons)
    found = rules.agency_token.search(text)
    return rules.agencies[found.group(1).casefold()] if found else None


def find_dateline(lede: str, lexicons: Lexicons) -> tuple[str | None, str | None]:
    """(dateline, agency) at the start of a lede: 'WASHINGTON, Jan. 18 (Reuters) - ...'."""
    rules = grammar(lexicons)
    found = rules.dateline_with_agency.match(lede)
    if found:
        agency = agency_name(found.group("agency"), lexicons) or found.group("agency").strip()
        return found.group("dateline").strip(), agency
    found = rules.dateline_caps.match(lede)
    return (found.group("dateline").strip(), None) if found else (None, None)


def people_from_credits(credits: list[str], lexicons: Lexicons) -> tuple[list[str], list[str]]:
    """(authors, editors) named by credit lines like 'Reporting by A and B; Editing C'."""
    rules = grammar(lexicons)
    authors: list[str] = []
    editors: list[str] = []
    for credit in credits:
        for segment in regex.split(r";|\.\s+(?=\p{Lu})", credit):
            found = rules.role.match(segment.strip().rstrip("."))
            if not found:
                continue
            target = editors if found.group("role").casefold() in rules.editor_roles else authors
            for name in regex.split(r",? and |, ", found.group("names")):
                name = _IN_PLACE.sub("", name.strip())
                if name and name not in target:
                    target.append(name)
    return authors, editors


_SENTENCE_BREAK = regex.compile(r"\p{Ll}{2,}[.!?][\"”’)]?\s+\p{Lu}")  # "advertiser. All", not "U.S. Secretary"
_URL = regex.compile(r"://|\bwww\.")


def _headline_like(text: str) -> bool:
    """Could be a headline: a few words, no closing full stop, one sentence, no URL, not shouted.

    All-caps lines are datelines ("BAAR, SWITZERLAND"), kickers and calls to
    action far more often than headlines; a line that is not taken stays in the body.
    """
    words = len(text.split())
    return (3 <= words <= TITLE_MAX_WORDS and not text.endswith((".", ",", ";", ":")) and not looks_like_prose(text)
            and not _SENTENCE_BREAK.search(text) and not _URL.search(text) and text.upper() != text)


def _section_like(text: str) -> bool:
    return 1 <= len(text.split()) <= SECTION_MAX_WORDS and text[:1].isupper() and not text.endswith(tuple(".!?,:;"))


def _heading_like(text: str) -> bool:
    return _headline_like(text) or _section_like(text)


def take_title_and_section(kept: list[Line], lexicons: Lexicons) -> tuple[Line | None, Line | None]:
    """The headline (first kept line, or second after a section label) and that label.

    A title needs a body after it: a document whose first line is prose, or
    that is one line long, has no title in its text, and a line that is only a
    date is no headline. The line after the title must not read as a heading
    itself: otherwise cleaning the body again would take that line as the next
    title, and cleaning would not be idempotent.
    """
    if len(kept) < 2:
        return None, None
    first, second = kept[0], kept[1]
    if (_section_like(first.text) and _headline_like(second.text) and not is_date_alone(second.text) and len(kept) > 2
            and not _heading_like(kept[2].text)):
        return second, first
    if (_headline_like(first.text) and not find_dateline(first.text, lexicons)[0] and not is_date_alone(first.text)
            and not _heading_like(second.text)):
        return first, None
    return None, None


def moved_to_header(lines: list[Line]) -> dict[str, list[str]]:
    """Header field -> texts of the lines the rules moved there, first copy of each."""
    values: dict[str, list[str]] = {}
    for line in lines:
        removal = line.removal
        if removal is not None and removal.action == "header" and removal.field:
            found = values.setdefault(removal.field, [])
            if line.text not in found:
                found.append(line.text)
    return values


_MARKDOWN_HEADING = regex.compile(r"#{1,6}[ \t]+")


def _heading_text(line: str) -> str:
    """A line's text without the markdown heading marks an ``md`` output (or a markdown input) puts before it."""
    return _MARKDOWN_HEADING.sub("", line, count=1) if line.startswith("#") else line


def extract(lines: list[Line], prior: dict[str, Any], lexicons: Lexicons) -> tuple[dict[str, Any], list[Removal]]:
    """Header fields found in the text, and the removals for lines that became the title or section.

    ``prior`` holds what is already known (a header from an earlier run, HTML
    metadata, the URL); it wins over what the text suggests, so that cleaning
    a cleaned file finds the same header again. A ``title`` key in ``prior``,
    even a null one, means that earlier run already decided: no title is taken
    from the text, which by then starts with the body.
    """
    kept = [line for line in lines if line.removal is None]
    moves: list[Removal] = []
    title = section = None
    if "title" not in prior:
        title_line, section_line = take_title_and_section(kept, lexicons)
        for line, name in ((title_line, "title"), (section_line, "section")):
            if line is None:
                continue
            line.removal = Removal(line=line.no, text=line.text, rule=f"builtin/{name}", kind=name,
                                   action="header", field=name)
            moves.append(line.removal)
        title = _heading_text(title_line.text) if title_line else None
        section = _heading_text(section_line.text) if section_line else None
    lede = next((line.text for line in lines if line.removal is None and looks_like_prose(line.text)), "")
    dateline, agency = find_dateline(lede, lexicons)
    moved = moved_to_header(lines)
    credits, captions, sections = moved.get("credits", []), moved.get("captions", []), moved.get("section", [])
    authors, editors = people_from_credits(credits + moved.get("authors", []), lexicons)
    if agency is None:
        agency = next((name for name in (agency_name(c, lexicons) for c in credits) if name), None)
    found = {
        "title": title,
        "dateline": dateline,
        "agency": agency,
        "authors": authors,
        "editors": editors,
        "credits": credits,
        "captions": captions,
        "section": section or (sections[0] if sections else None),
    }
    merged = {key: value for key, value in found.items()}
    for key, value in prior.items():
        if value not in (None, [], ""):
            merged[key] = value
    return merged, moves


def _filled(value: Any) -> bool:
    return value not in (None, [], "")


def merge_earlier(header: dict[str, Any], earlier: Mapping[str, Any]) -> dict[str, Any]:
    """``header`` with the header of an earlier run merged in: the front matter or ``cleaner.metadata`` of a cleaned input.

    Cleaning a cleaned file must give it back unchanged, so what that run
    decided stands: a field it filled wins (title, authors, source, its
    sha256 and encoding, model), a field it left null stays known as blank
    (no title is taken from a text that by then starts with the body), a
    status other than ok stands (that run removed the evidence: the not-found
    lines, the paywall prompt), and its ``rules`` and ``removed`` add to this
    run's. What this run measures of its own input (MEASURED) is this run's
    when it has it. The pipeline calls this for what is known before the
    text is read and for the header it writes; nothing else reads an earlier header.
    """
    merged = dict(header)
    for key, value in earlier.items():
        if key == "rules":
            merged[key] = list(dict.fromkeys([*(value if isinstance(value, list) else []), *header.get(key, [])]))
        elif key == "removed":
            merged[key] = (value if isinstance(value, int) else 0) + header.get(key, 0)
        elif key == "status":
            if value in STATUSES and value != "ok":
                merged[key] = value
        elif key in MEASURED and _filled(header.get(key)):
            continue
        elif _filled(value) or key not in merged:
            merged[key] = value
    return merged
