"""Literal gates: cheap tests that a line *could* match a rule, read off the rule's own regex.

Most lines are article prose that no rule touches, and running every regex on
every line is what made text mode slow. A rule's pattern usually names words a
matching line must contain ("share", "advertisement") and, since whole-line
rules are anchored, often the words it must start with. A gate holds them:

- ``prefixes``: the folded line starts with one of these (whole-line rules only);
- ``needles``: the folded line contains one of these.

A gate is a *necessary* condition: a line that fails it cannot match, so
skipping the regex there changes no result. Gates are derived, never written
by hand, so adding a rule stays adding YAML. The derivation reads the pattern
with the standard library's regex parser: ``\\p{..}`` properties (which it
does not know) become ``\\w`` first, and a pattern it cannot read, or that
uses syntax it would read differently from ``regex`` (POSIX classes, fuzzy
matching), gets no gate and simply runs on every line, as before.

Lines and literals are compared *folded* (:func:`fold`): casefolded, with the
two Turkish i's that ``regex`` pairs with "I" mapped first, and literals keep
only letters whose case variants all fold alike (checked over every code
point). So a case-insensitive rule's literal is found whatever the line's case.
"""
from __future__ import annotations

import re
from re import _constants as sre
from re import _parser as sre_parse

Gate = tuple[tuple[str, ...], tuple[str, ...]]  # (prefixes, needles); empty means "no condition"
NO_GATE: Gate = ((), ())

_PROPERTY = re.compile(r"\\[pP](?:\{[^}]*\}|[A-Za-z])")
_UNSAFE_SYNTAX = ("\\L<", "(?V", "(?|")  # regex-only syntax the stdlib parser might misread
_POSIX_OR_FUZZY = re.compile(r"\[:\^?[a-z]+:\]|(?<!\\)\{(?!\d*,?\d*\})")  # [:alpha:], {e<=1}
# letters whose case variants, under regex's IGNORECASE, all casefold to the same letter (checked over
# every code point when this list was made); any other character ends a literal
_SAFE = frozenset(
    "abcdefghijklmnopqrstuvwxyz0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    "àâäçèéêëîïôöùûüÿñíóúœæ’‘“”–—…«»¡¿"
)
_MIN_NEEDLE = 3  # shorter needles ("ad", "x") let almost every line through: no better than no gate
_MAX_STARTS = 256  # more distinct starts than this: the rule gets no prefix test


def fold(text: str) -> str:
    """The form gates compare: casefolded, Turkish "İ" and "ı" read as "i" (regex matches them to "I")."""
    return text.replace("İ", "i").replace("ı", "i").casefold()


def gate_for(pattern: str, ignore_case: bool, whole_line: bool) -> Gate:
    """The gate of one rule's regex (``whole_line``: matched with fullmatch, so its start is the line's)."""
    readable = _PROPERTY.sub(r"\\w", pattern)
    if any(token in readable for token in _UNSAFE_SYNTAX) or _POSIX_OR_FUZZY.search(readable):
        return NO_GATE
    try:
        parsed = sre_parse.parse(readable, re.IGNORECASE if ignore_case else 0)
    except (re.error, RecursionError, OverflowError):
        return NO_GATE
    prefixes = _starts(parsed) if whole_line else None
    needles = _needles(list(parsed))
    if not needles or min(map(len, needles)) < _MIN_NEEDLE:
        needles = None
    if prefixes and needles and all(any(needle in start for needle in needles) for start in prefixes):
        needles = None  # every start holds a needle: the needle test would add nothing
    return tuple(sorted(prefixes or ())), tuple(sorted(needles or ()))


def passes(gate: Gate, folded: str) -> bool:
    """Whether a folded line passes ``gate``."""
    prefixes, needles = gate
    if prefixes and not folded.startswith(prefixes):
        return False
    return not needles or any(needle in folded for needle in needles)


# --- reading literals off a parsed pattern ---

def _letters(op, av) -> set[str] | None:
    """The folded letters an item matches, when it matches one of a few known ones (``a``, ``[-–]``)."""
    if op is sre.LITERAL:
        letters = {fold(chr(av))}
    elif op is sre.IN and all(o is sre.LITERAL for o, _ in av):
        letters = {fold(chr(a)) for _, a in av}
    else:
        return None
    return letters if letters <= _SAFE else None


def _char(op, av) -> str | None:
    """The folded letter an item matches, when it matches exactly one (``a``, ``[Aa]``)."""
    letters = _letters(op, av)
    return letters.pop() if letters and len(letters) == 1 else None


def _zero_width(op) -> bool:
    return op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT)


def _starts(pattern) -> set[str] | None:
    """Strings one of which begins every non-empty match of ``pattern`` (a parsed sequence), or None."""
    if not len(pattern):
        return None
    (op, av), rest = pattern[0], pattern[1:]
    letters = _letters(op, av)
    if letters is not None:
        tail = _starts(rest) if len(rest) and rest.getwidth()[0] > 0 else None
        found = {letter + t for letter in letters for t in tail} if tail else letters
        return found if len(found) <= _MAX_STARTS else letters
    if _zero_width(op):
        return _starts(rest)
    alternatives = _alternatives(op, av)
    if alternatives is None:
        return None
    found: set[str] = set()
    for alternative in alternatives:
        starts = _starts(alternative)
        if starts is None and len(alternative):
            return None
        found |= starts or set()
    if pattern[:1].getwidth()[0] == 0:  # the first item may match nothing: then the rest starts the match
        after = _starts(rest)
        if after is None:
            return None
        found |= after
    return found if len(found) <= _MAX_STARTS else None


def _alternatives(op, av) -> list | None:
    """The sub-patterns inside a group, alternation or repeat (optional or not), else None."""
    if op is sre.SUBPATTERN:
        return [av[-1]]
    if op is sre.BRANCH:
        return list(av[1])
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        return [av[2]]
    if op is sre.ATOMIC_GROUP:
        return [av]
    return None


def _inner(op, av) -> list | None:
    """The alternatives inside a group-like item that must match at least once, else None."""
    if op is sre.SUBPATTERN:
        return [av[-1]]
    if op is sre.BRANCH:
        return list(av[1])
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
        return [av[2]]
    if op is sre.ATOMIC_GROUP:
        return [av]
    return None


def _needles(items: list) -> set[str] | None:
    """The most selective set of strings of which the matched text must contain one, or None."""
    candidates: list[set[str]] = []
    run = ""
    for op, av in items:
        letter = _char(op, av)
        if letter is not None:
            run += letter
            continue
        if run:
            candidates.append({run})
            run = ""
        if op is sre.ASSERT:  # what a lookaround sees lies in the line too
            inner = [av[1]]
        else:
            inner = _inner(op, av)
        if inner is None:
            continue
        options = [_needles(list(branch)) for branch in inner]
        if all(options):
            candidates.append(set().union(*options))
    if run:
        candidates.append({run})
    return max(candidates, key=lambda found: min(map(len, found)), default=None)
