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
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from re import _constants as sre
from re import _parser as sre_parse

from .textform import fold

# (prefixes, needle sets): the line starts with one of the prefixes and holds one needle of every set;
# empty means "no condition"
Gate = tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]
NO_GATE: Gate = ((), ())

_PROPERTY = re.compile(r"\\[pP](?:\{[^}]*\}|[A-Za-z])")
_ESCAPE = re.compile(r"\\.", re.DOTALL)
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
_MAX_NEEDLES = 1024  # more combinations than this: the run of known strings ends there
_NEEDLE_SETS = 2  # a line must hold a needle of each: " is a" and "news"/"media"
_LISTED = 64  # a needle set tested string by string is at most this long


def gate_for(pattern: str, ignore_case: bool, whole_line: bool, *, one_line: bool = True) -> Gate:
    """The gate of one rule's regex.

    ``whole_line``: matched with fullmatch, so its start is the line's.
    ``one_line``: matched against a normalised line, where the only space is
    " " (so ``\\s`` can be read as one); fingerprints search whole texts.
    """
    readable = _PROPERTY.sub(r"\\w", pattern)
    if one_line:
        readable = _ESCAPE.sub(lambda m: " " if m.group() == "\\s" else m.group(), readable)
    if any(token in readable for token in _UNSAFE_SYNTAX) or _POSIX_OR_FUZZY.search(readable):
        return NO_GATE
    try:
        parsed = sre_parse.parse(readable, re.IGNORECASE if ignore_case else 0)
    except (re.error, RecursionError, OverflowError):
        return NO_GATE
    prefixes = _starts(parsed) if whole_line else None
    shortest = 1 if prefixes else _MIN_NEEDLE  # behind a start test a short needle costs little
    sets = [needles for needles in _needle_sets(list(parsed)) if min(map(len, needles)) >= shortest
            and not (prefixes and all(any(needle in start for needle in needles) for start in prefixes))]
    sets.sort(key=lambda needles: -min(map(len, needles)))  # the most selective first
    # one Aho-Corasick pass finds a needle-only rule's first set, however large; other sets are
    # looked for one by one, so they are cut down to a few strings
    sets = [_fewest(needles, len(needles) if i == 0 and not prefixes else _LISTED)
            for i, needles in enumerate(sets[:_NEEDLE_SETS])]
    prefixes = {start for start in prefixes or () if not any(other != start and start.startswith(other)
                                                             for other in prefixes)}
    return tuple(sorted(prefixes)), tuple(tuple(sorted(needles)) for needles in sets if needles)


def _fewest(needles: set[str], most: int) -> set[str]:
    """At most ``most`` strings such that a text holding one of ``needles`` holds one of them.

    A string that contains another of the set adds nothing; beyond that, the
    strings are cut to their first letters (a text holding a string holds its
    start), as long as the starts are still at least _MIN_NEEDLE long.
    """
    for length in range(max(map(len, needles)), 0, -1):
        starts = {needle[:length] for needle in needles}
        starts = {start for start in starts if not any(other != start and other in start for other in starts)}
        if len(starts) <= most:
            return starts
        if length <= _MIN_NEEDLE:
            break
    return set()


def passes(gate: Gate, folded: str) -> bool:
    """Whether a folded line passes ``gate``."""
    prefixes, needle_sets = gate
    if prefixes and not folded.startswith(prefixes):
        return False
    return all(any(needle in folded for needle in needles) for needles in needle_sets)


SCAN_LINES = 4096  # lines Screen.lines scans at a time


class Screen:
    """Which of many gates a document's lines could pass, from one scan of the whole document.

    A gate's first strings (its starts, else its first needle set) are looked
    for all at once by a compiled Aho-Corasick automaton (ahocorasick_rs's DFA:
    a few microseconds for a page of text). A line holding none of a gate's
    first strings cannot pass it, so only the lines and gates the scan pairs
    up need ``passes``; most lines of an article meet no gate at all. Starts
    are looked for as newline + start, each line following a newline, so they
    count only where a line begins. Gates without a condition (NO_GATE) are
    listed in ``ungated``: every line meets them.
    """

    def __init__(self, gates: Sequence[Gate]):
        owners: dict[str, set[int]] = {}
        for number, (starts, needle_sets) in enumerate(gates):
            words = ["\n" + start for start in starts] if starts else needle_sets[0] if needle_sets else ()
            for word in words:
                owners.setdefault(word, set()).add(number)
        self.ungated = [number for number, gate in enumerate(gates) if gate == NO_GATE]
        self._words = list(owners)
        self._owners = [frozenset(owners[word]) for word in self._words]
        self._automaton = _compile(self._words) if self._words else None

    def lines(self, folded_lines: Sequence[str]) -> dict[int, set[int]]:
        """Line number (0-based) -> the gates whose first strings that line holds; lines holding none are left out.

        Scanned SCAN_LINES lines at a time: a hit never spans lines, and the
        joined text, its UTF-8 copy and the hits of a huge page stay small.
        """
        found: dict[int, set[int]] = {}
        if self._automaton is None:
            return found
        for offset in range(0, len(folded_lines), SCAN_LINES):
            self._scan(folded_lines[offset:offset + SCAN_LINES], offset, found)
        return found

    def _scan(self, folded_lines: Sequence[str], offset: int, found: dict[int, set[int]]) -> None:
        hits = self._automaton.find_matches_as_indexes("\n" + "\n".join(folded_lines), overlapping=True)
        if not hits:
            return
        starts = list(accumulate(map((1).__add__, map(len, folded_lines)), initial=1))  # each line's first index
        for word, start, end in hits:
            first = start + self._words[word].startswith("\n")  # where the string proper begins
            number = bisect_right(starts, first) - 1
            if end < starts[number + 1]:  # ends inside that line
                found.setdefault(offset + number, set()).update(self._owners[word])

    def text(self, folded: str) -> set[int]:
        """The gates whose first strings a whole folded text holds (a start: at the beginning of one of its lines)."""
        if self._automaton is None:
            return set()
        hits = self._automaton.find_matches_as_indexes("\n" + folded, overlapping=True)
        return set().union(*(self._owners[word] for word, _, _ in hits))


def _compile(words: list[str]):
    from ahocorasick_rs import AhoCorasick, Implementation

    return AhoCorasick(words, implementation=Implementation.DFA)


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


def _alternatives(op, av, *, required: bool = False) -> list | None:
    """The sub-patterns inside a group, alternation or repeat, else None.

    ``required``: only those the item cannot skip (not a repeat that may run zero times).
    """
    if op is sre.SUBPATTERN:
        return [av[-1]]
    if op is sre.BRANCH:
        return list(av[1])
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        return [av[2]] if av[0] >= 1 or not required else None
    if op is sre.ATOMIC_GROUP:
        return [av]
    return None


def _needles(items: list) -> set[str] | None:
    """The most selective set of strings of which the matched text must contain one, or None."""
    return max(_needle_sets(items), key=lambda found: min(map(len, found)), default=None)


def _needle_sets(items: list) -> list[set[str]]:
    """Sets of strings the matched text must contain one of, each; from the items in order.

    Consecutive items that match one of a few known strings (letters, small
    alternations, optional words) combine into one run of their products:
    ``\\b(?:AFP|EPA) ?[-/]`` gives "afp-", "epa /" and so on, which ordinary
    words ("separately") do not contain, where "epa" alone would be in them.
    """
    candidates: list[set[str]] = []
    run = {""}
    for op, av in items:
        words = _finite(op, av)
        if words is not None and len(run) * len(words) <= _MAX_NEEDLES:
            run = {start + word for start in run for word in words}
            continue
        _close(run, candidates)
        run = {""} if words is None else words
        if words is not None:
            continue
        # what a lookaround sees lies in the line too
        inner = [av[1]] if op is sre.ASSERT else _alternatives(op, av, required=True)
        if inner is None:
            continue
        options = [_needles(list(branch)) for branch in inner]
        if all(options):
            candidates.append(set().union(*options))
    _close(run, candidates)
    return candidates


def _close(run: set[str], candidates: list[set[str]]) -> None:
    if "" not in run:  # every match of the run left text behind: a needle set
        candidates.append(run)


def _finite(op, av) -> set[str] | None:
    """The folded strings an item can match, when they are few and known (else None)."""
    if op is sre.AT:
        return {""}  # zero-width: the letters around it stay neighbours
    letters = _letters(op, av)
    if letters is not None:
        return letters
    if op is sre.SUBPATTERN:
        return _finite_sequence(av[-1])
    if op is sre.BRANCH:
        found: set[str] = set()
        for branch in av[1]:
            words = _finite_sequence(branch)
            if words is None or len(found | words) > _MAX_NEEDLES:
                return None
            found |= words
        return found
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[1] == 1:  # x? and x{1}
        words = _finite_sequence(av[2])
        return None if words is None else words | ({""} if av[0] == 0 else set())
    return None


def _finite_sequence(items) -> set[str] | None:
    found = {""}
    for op, av in items:
        words = _finite(op, av)
        if words is None or len(found) * len(words) > _MAX_NEEDLES:
            return None
        found = {start + word for start in found for word in words}
    return found
