"""The form of text that rules see (``normalise``), the form gates compare (``fold``), and where a header ends.

All three run on every document and in ``cleaner check``'s fast path
(commands/fastcheck.py), so this module imports only the standard library's
light parts; the front matter's lines are then parsed by each caller its own
way (YAML in stages/reading, a strict subset in the fast path).
"""
from __future__ import annotations

import re
import unicodedata

# Removed: zero-width space, word joiner, byte-order mark. Invisible, and no part of how any word is spelt.
_REMOVED_CHARS = "\u200b\u2060\ufeff"
_REMOVED = re.compile(f"[{_REMOVED_CHARS}]")
# Kept, being part of words and graphemes: ZWNJ (Persian "می‌خواهم"), ZWJ (emoji sequences, Indic
# conjuncts), the soft hyphen (a word's hyphenation point), variation selectors (U+FE00..U+FE0F, emoji
# presentation). A line made of nothing else holds no text, though: it is blank.
_KEPT_INVISIBLE_CHARS = "\u200c\u200d\u00ad" + "".join(map(chr, range(0xFE00, 0xFE10)))
_INVISIBLE_LINE = re.compile(f"^[ {_KEPT_INVISIBLE_CHARS}]+$", re.MULTILINE)
_BLANK_RUN = re.compile(r"\n\n\n+")
_SPACE_RUN = re.compile(" {2,}")
# what str.split() splits on, other than space and newline (tests/test_gates.py checks the list)
_ODD_SPACES = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def normalise(text: str) -> str:
    """NFC, one kind of newline, no zero-width spaces, single spaces, no trailing blanks.

    Non-breaking and other Unicode spaces become plain spaces; runs of blank
    lines become one. Wording is never changed: of the invisible characters
    only those that are part of no word go (_REMOVED_CHARS); joiners, soft
    hyphens and variation selectors stay, except on a line holding nothing
    else, which is blank. Most text is already clean
    that way, so each step first looks whether it has anything to do; once the
    odd spaces are plain ones, " " and "\n" are the only whitespace left, so
    runs of spaces and spaces at line ends are all that need fixing.
    """
    text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    ascii = text.isascii()
    if not ascii and any(char in text for char in _REMOVED_CHARS):
        text = _REMOVED.sub("", text)
    for space in _ODD_SPACES:
        if space in text:
            text = text.replace(space, " ")
    if not ascii and any(char in text for char in _KEPT_INVISIBLE_CHARS):
        text = _INVISIBLE_LINE.sub("", text)
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = text.replace(" \n", "\n").replace("\n ", "\n")
    return _BLANK_RUN.sub("\n\n", text.strip(" ")).strip("\n")


# a line made only of these is blank once normalised (spaces, the removed and the kept invisible characters)
_BLANK_CHARS = " " + _ODD_SPACES + _REMOVED_CHARS + _KEPT_INVISIBLE_CHARS

FOLD_CHUNK = 1 << 16  # characters casefolded at a time: see fold()


def line_numbers(text: str, first: int = 1) -> list[int]:
    """For each line of ``normalise(text)``, the line of ``text`` it came from (``text``'s first line is ``first``).

    So every report (removals, explain, check, warnings) uses the input's own
    line numbers, although normalise() drops leading blank lines and makes a
    run of blank lines one. Mirrors normalise() line by line: a line is blank
    there when nothing but _BLANK_CHARS is on it.
    """
    mapping: list[int] = []
    previous_blank = True
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=first):
        blank = not raw.strip(_BLANK_CHARS)
        if not blank or not previous_blank:
            mapping.append(number)
        previous_blank = blank
    return mapping


def fold(text: str) -> str:
    """The form gates compare: casefolded, Turkish "İ" and "ı" read as "i" (regex matches them to "I").

    ``str.casefold`` allocates 12 bytes per character for its work (three
    UCS-4 code points each) before it knows the result's size: on a 50 MB
    page that was 600 MB at once. Folding is per character, so folding in
    chunks gives the same text at a bounded cost.
    """
    text = text.replace("İ", "i").replace("ı", "i")
    if len(text) <= FOLD_CHUNK:
        return text.casefold()
    return "".join(text[i:i + FOLD_CHUNK].casefold() for i in range(0, len(text), FOLD_CHUNK))


FRONT_MATTER_MAX_LINES = 200  # a closing ``---`` further down is not a header's: the block is body text


def front_matter(text: str) -> tuple[str, list[str] | None, str]:
    """(text, header lines, body); header lines None when ``text`` has no front matter block.

    ``text`` comes back with ``\\r\\n`` made ``\\n`` when the header was saved
    with Windows line endings, as the body is.
    """
    if text.startswith("---\r\n"):
        text = text.replace("\r\n", "\n")
    if not text.startswith("---\n"):
        return text, None, text
    lines = text.split("\n", FRONT_MATTER_MAX_LINES + 1)
    try:
        end = lines.index("---", 1, FRONT_MATTER_MAX_LINES)
    except ValueError:
        return text, None, text
    body = text.split("\n", end + 1)[end + 1] if text.count("\n") > end else ""
    return text, lines[1:end], body
