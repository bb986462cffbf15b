"""Header fields from plain text: title, section, dateline, agency, people.

No library parses wire datelines or credit lines from plain text, so this
is a small grammar. It reads the lines as the rules left
them: title and section come from the kept head of the document, credits and
captions from the lines rules moved to the header. It never invents: a
dateline without a year gives no date.
"""
from __future__ import annotations

from typing import Any

import regex

from .document import Removal
from .text import Line, looks_like_prose

AGENCIES = {
    "reuters": "Reuters", "ap": "AP", "associated press": "AP", "afp": "AFP",
    "agence france-presse": "AFP", "agence france presse": "AFP", "efe": "EFE", "dpa": "dpa",
    "ansa": "ANSA", "xinhua": "Xinhua", "pti": "PTI", "ians": "IANS", "upi": "UPI",
    "bloomberg": "Bloomberg", "kyodo": "Kyodo", "yonhap": "Yonhap", "tass": "TASS",
    "anadolu": "Anadolu", "aa": "Anadolu", "europa press": "Europa Press", "apa": "APA",
    "bernama": "Bernama", "pa": "PA", "cna": "CNA", "ani": "ANI", "kna": "KNA", "sputnik": "Sputnik",
}
_AGENCY_TOKEN = regex.compile(
    r"\b(" + "|".join(sorted((regex.escape(k) for k in AGENCIES), key=len, reverse=True)) + r")\b",
    regex.IGNORECASE,
)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_PLACE_WORD = r"\p{Lu}[\p{L}.'’-]*"
_PLACE = rf"{_PLACE_WORD}(?:[ -]{_PLACE_WORD})*(?:, {_PLACE_WORD}(?: {_PLACE_WORD})*)?"
DATELINE_WITH_AGENCY = regex.compile(
    rf"(?P<dateline>{_PLACE}(?:,? {_MONTH} \d{{1,2}}(?:, \d{{4}})?)?)\s*"
    r"\((?P<agency>[\p{L} .&-]{2,40})\)\s*(?:\.?\s?[-–—:])"
)
DATELINE_CAPS = regex.compile(
    rf"(?P<dateline>\p{{Lu}}{{2,}}(?:[ -]\p{{Lu}}{{2,}})*(?:, {_PLACE_WORD}(?: {_PLACE_WORD})*)?"
    rf"(?:,? {_MONTH} \d{{1,2}}(?:, \d{{4}})?)?)\s+[-–—]\s"
)
_NAME = r"\p{Lu}[\p{L}.'’-]+(?: (?:\p{Lu}[\p{L}.'’-]*|de|da|van|von|der|al|bin|del|la|le))*"
_NAMES = rf"{_NAME}(?:(?:,? and |, ){_NAME})*"
_ROLE = regex.compile(
    rf"(?:(?:Additional|Further) )?(?P<role>Reporting|Reported|Writing|Written|Editing|Edited|Compiled|By)"
    rf"(?: by)?:? (?P<names>{_NAMES})",
    regex.IGNORECASE,
)
_IN_PLACE = regex.compile(r" in \p{Lu}[\p{L}.'’-]*(?: \p{Lu}[\p{L}.'’-]*)*$")
SECTION_MAX_WORDS = 3
TITLE_MAX_WORDS = 30


def agency_name(text: str) -> str | None:
    """The canonical name of the news agency mentioned in ``text``, if any."""
    found = _AGENCY_TOKEN.search(text)
    return AGENCIES[found.group(1).casefold()] if found else None


def find_dateline(lede: str) -> tuple[str | None, str | None]:
    """(dateline, agency) at the start of a lede: 'WASHINGTON, Jan. 18 (Reuters) - ...'."""
    found = DATELINE_WITH_AGENCY.match(lede)
    if found:
        agency = agency_name(found.group("agency")) or found.group("agency").strip()
        return found.group("dateline").strip(), agency
    found = DATELINE_CAPS.match(lede)
    return (found.group("dateline").strip(), None) if found else (None, None)


def people_from_credits(credits: list[str]) -> tuple[list[str], list[str]]:
    """(authors, editors) named by credit lines like 'Reporting by A and B; Editing C'."""
    authors: list[str] = []
    editors: list[str] = []
    for credit in credits:
        for segment in regex.split(r";|\.\s+(?=\p{Lu})", credit):
            found = _ROLE.match(segment.strip().rstrip("."))
            if not found:
                continue
            target = editors if found.group("role").casefold().startswith("edit") else authors
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


def take_title_and_section(kept: list[Line]) -> tuple[Line | None, Line | None]:
    """The headline (first kept line, or second after a section label) and that label.

    A title needs a body after it: a document whose first line is prose, or
    that is one line long, has no title in its text. The line after the title
    must not read as a heading itself: otherwise cleaning the body again would
    take that line as the next title, and cleaning would not be idempotent.
    """
    if len(kept) < 2:
        return None, None
    first, second = kept[0], kept[1]
    if (_section_like(first.text) and _headline_like(second.text) and len(kept) > 2
            and not _heading_like(kept[2].text)):
        return second, first
    if _headline_like(first.text) and not find_dateline(first.text)[0] and not _heading_like(second.text):
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


def extract(lines: list[Line], prior: dict[str, Any]) -> tuple[dict[str, Any], list[Removal]]:
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
        title_line, section_line = take_title_and_section(kept)
        for line, name in ((title_line, "title"), (section_line, "section")):
            if line is None:
                continue
            line.removal = Removal(line=line.no, text=line.text, rule=f"builtin/{name}", kind=name,
                                   action="header", field=name)
            moves.append(line.removal)
        title = title_line.text if title_line else None
        section = section_line.text if section_line else None
    lede = next((line.text for line in lines if line.removal is None and looks_like_prose(line.text)), "")
    dateline, agency = find_dateline(lede)
    moved = moved_to_header(lines)
    credits, captions, sections = moved.get("credits", []), moved.get("captions", []), moved.get("section", [])
    authors, editors = people_from_credits(credits + moved.get("authors", []))
    if agency is None:
        agency = next((name for name in map(agency_name, credits) if name), None)
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
