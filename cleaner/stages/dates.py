"""Dates as pages write them ("March 5, 2024", "5 March 2024", "2024-03-05", "05.03.2024"): one reader.

The HTML header dates a page by the days written near its headline
(stages/pageheader.py); the text stage tells a line that is only a date from
a headline (stages/metadata.py). Standard library only: text mode imports it.
"""
from __future__ import annotations

import re

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")  # as dates are written
_MONTH = r"(?P<m>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DAY = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>(?:19|20)\d\d)"
WRITTEN_DATES = (re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
                 re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
                 re.compile(rf"\b{_YEAR}-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b"))
NUMERIC_DATE = re.compile(r"\b([0-3]?\d)([/.])([0-3]?\d)[/.]((?:19|20)\d\d)\b")
_WEEKDAY = re.compile(r"(?:[^\W\d_]+,?\s+)?")  # "Tuesday, " before a date


def written_dates(text: str) -> list[tuple[int, str]]:
    """(offset, ISO day) of each date written in ``text``: "March 5, 2024", "5 March 2024", "2024-03-05", "05.03.2024".

    Numbers with slashes are read month first (05/03/2024 is May 3rd, as
    English pages mostly write them), with dots day first (05.03.2024 is
    March 5th); either the other way when that cannot be a date.
    """
    found: list[tuple[int, str]] = []
    for pattern in WRITTEN_DATES:
        for match in pattern.finditer(text):
            month = match["m"]
            number = MONTHS.index(month[:3].casefold()) + 1 if month[:1].isalpha() else int(month)
            day = _day(match["y"], number, match["d"])
            if day:
                found.append((match.start(), day))
    for match in NUMERIC_DATE.finditer(text):
        first, mark, second, year = match.groups()
        month, day_of = (second, first) if mark == "." else (first, second)
        day = _day(year, int(month), day_of) or _day(year, int(day_of), month)
        if day:
            found.append((match.start(), day))
    return found


def is_date_alone(text: str) -> bool:
    """Whether ``text`` is one written date and nothing else (a weekday before it allowed)."""
    for pattern in (*WRITTEN_DATES, NUMERIC_DATE):
        match = pattern.search(text)
        if match and _WEEKDAY.fullmatch(text[:match.start()]) and not text[match.end():].strip(" ."):
            return True
    return False


def _day(year: str, month: int, day: str) -> str:
    return f"{year}-{month:02d}-{int(day):02d}" if 1 <= month <= 12 and 1 <= int(day) <= 31 else ""
