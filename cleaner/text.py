"""Clean plain text: normalise, split into lines, apply rules, drop duplicates.

The unit every rule sees is one normalised line (DESIGN: "rules match whole
normalised lines, anchored, with a word cap"). Blank lines separate blocks;
the body keeps that block structure, so re-cleaning a body changes nothing.
Nothing here reads files or knows about headers: it only decides, for each
line, whether it stays, loses a fragment, moves to the header or goes, and
records which rule said so.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import regex

from .document import Removal
from .rulefile import RULE_TIMEOUT, Rule

_INVISIBLE = regex.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SENTENCE_END = regex.compile(r"[.!?…][\"'”’)\]]*$")
PROSE_MIN_WORDS = 12  # a line this long that ends a sentence is article prose
MAX_CUT_SHARE = 0.5  # a cut may never take more than half of a document's words
SHORT_LINE_WORDS = 12  # an adjacent repeat this short, and not ending a sentence, is scraped twice


def normalise(text: str) -> str:
    """NFC, one kind of newline, no invisible characters, single spaces, no trailing blanks.

    Non-breaking and other Unicode spaces become plain spaces; runs of blank
    lines become one. Wording is never changed.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n")


def looks_like_prose(text: str) -> bool:
    """A sentence-ending line of some length: what a cut must never take."""
    return len(text.split()) >= PROSE_MIN_WORDS and bool(_SENTENCE_END.search(text))


@dataclass
class Line:
    """One non-blank line of the normalised input and what the rules decided for it."""

    no: int  # 1-based line number in the normalised text
    block: int  # index of the blank-line-separated block it belongs to
    text: str  # current text: fragments stripped by rules are gone from it
    removal: Removal | None = None  # set when the whole line left the body
    rule: Rule | None = None  # the rule behind ``removal``, when a rule file's
    strips: list[Removal] = field(default_factory=list)
    words: int = field(init=False)  # counted once: every rule's word cap reads it

    def __post_init__(self) -> None:
        self.words = len(self.text.split())

    @property
    def kept(self) -> bool:
        return self.removal is None

    def rewrite(self, text: str) -> None:
        """What is left after a strip rule took a fragment."""
        self.text, self.words = text, len(text.split())


def split_lines(text: str) -> list[Line]:
    """Non-blank lines of normalised ``text`` with their block numbers."""
    lines, block = [], 0
    for no, raw in enumerate(text.split("\n"), start=1):
        if not raw:
            block += 1
        else:
            lines.append(Line(no=no, block=block, text=raw))
    return lines


def _removal(line: Line, rule: Rule, text: str | None = None, action: str | None = None) -> Removal:
    return Removal(
        line=line.no,
        text=line.text if text is None else text,
        rule=rule.id,
        kind=rule.kind,
        action=action or rule.action,
        rule_file=rule.file,
        field=rule.field,
    )


class _Matcher:
    """Applies rules to lines, skipping (not failing on) a rule whose regex times out."""

    def __init__(self, rules: list[Rule], warnings: list[str]):
        self.rules = rules
        self.warnings = warnings
        self.skipped: set[str] = set()

    def apply(self, rule: Rule, line: Line) -> str | None:
        if rule.id in self.skipped:
            return None
        try:
            return rule.apply(line.text, line.words)
        except TimeoutError:
            self.skipped.add(rule.id)
            self.warnings.append(
                f"rule {rule.id} ({rule.file}:{rule.line}) timed out on line {line.no}; skipped for this document"
            )
            return None


def _in_range(rule: Rule, index: int, total: int) -> bool:
    if rule.in_first is not None and index >= rule.in_first:
        return False
    if rule.in_last is not None and index < total - rule.in_last:
        return False
    return True


LONG_LINE_WORDS = 30  # lines longer than this are only tried against rules that allow them
PREFILTER_AFTER_LINES = 1000  # compile the prefilters once a process has seen this many lines
_lines_seen = 0


@lru_cache(maxsize=256)
def _prefilter(rules: tuple[Rule, ...], long_lines: bool = False) -> regex.Pattern | None:
    """One alternation of a group's whole-line rules: a line it does not match, none of them matches.

    Most lines are prose that no rule touches; one regex call per group instead
    of one per rule makes text mode several times faster. Which rule fires is
    still decided by the ordered per-rule loop, on the few lines let through.
    Groups are long-lived tuples (the generic rules, one site file's rules), so
    each is compiled once per process. ``long_lines`` keeps only the rules whose
    word cap admits lines over LONG_LINE_WORDS: most rules are for short lines,
    and long prose lines are most of the text.
    """
    parts = [f"(?{'i' if r.pattern.flags & regex.IGNORECASE else '-i'}:{r.pattern.pattern})"
             for r in rules if r.action != "strip"
             and (not long_lines or r.max_words is None or r.max_words > LONG_LINE_WORDS)]
    try:
        return regex.compile("|".join(parts)) if parts else None
    except regex.error:  # e.g. a rule with global inline flags: let every line through
        return regex.compile(".*", regex.DOTALL)


def _may_match(prefilters: list[regex.Pattern | None], text: str) -> bool:
    for prefilter in prefilters:
        if prefilter is None:
            continue
        try:
            if prefilter.fullmatch(text, timeout=RULE_TIMEOUT) is not None:
                return True
        except TimeoutError:  # let the per-rule loop find and report the slow rule
            return True
    return False


def _prefilters(groups: tuple[tuple[Rule, ...], ...]) -> dict[bool, list[regex.Pattern | None]]:
    """Prefilters for short and for long lines; compiling them costs ~0.1 s, so a
    process pays it only once it has cleaned enough text to win that back (a
    pre-commit hook checking one file never does). Results are the same either way.
    """
    return {long: [_prefilter(group, long) for group in groups] for long in (False, True)}


def classify(lines: list[Line], rules: list[Rule], warnings: list[str],
             groups: tuple[tuple[Rule, ...], ...] = ()) -> None:
    """Decide each line's fate with the first whole-line rule that matches; strip the rest.

    ``groups`` are long-lived tuples whose union holds every rule in ``rules``
    (see _prefilter); without them the rules are one group.
    """
    global _lines_seen
    matcher = _Matcher(rules, warnings)
    whole = [r for r in rules if r.action != "strip"]
    strips = [r for r in rules if r.action == "strip"]
    prefilters = _prefilters(groups or (tuple(rules),)) if _lines_seen >= PREFILTER_AFTER_LINES else None
    _lines_seen += len(lines)
    total = len(lines)
    for index, line in enumerate(lines):
        if prefilters is None:
            candidates = whole
        else:
            candidates = whole if _may_match(prefilters[line.words > LONG_LINE_WORDS], line.text) else []
        for rule in candidates:
            if _in_range(rule, index, total) and matcher.apply(rule, line) == "":
                line.removal, line.rule = _removal(line, rule), rule
                break
        if line.removal is not None:
            continue
        for rule in strips:
            if not _in_range(rule, index, total):
                continue
            rest = matcher.apply(rule, line)
            if rest is not None and rest:
                fragment = line.text[len(rest):] if line.text.startswith(rest) else line.text
                line.strips.append(_removal(line, rule, text=fragment.strip()))
                line.rewrite(rest)
    _apply_cuts(lines, warnings)


def _apply_cuts(lines: list[Line], warnings: list[str]) -> None:
    """Extend cut markers over the lines after (or before) them when that is safe.

    Safe means: the lines it would take hold no article prose, add up to at most
    the rule's ``max_chars``, and to less than half of the document's words.
    Otherwise only the marker goes, with a warning naming the rule.
    """
    total_words = sum(line.words for line in lines) or 1
    for index, line in enumerate(lines):
        rule, removal = line.rule, line.removal
        if rule is None or removal is None or rule.action not in ("cut-to-end", "cut-from-start"):
            continue
        span = lines[index + 1:] if rule.action == "cut-to-end" else lines[:index]
        taken = [other for other in span if other.kept]
        chars = sum(len(other.text) for other in taken)
        words = sum(other.words for other in taken)
        prose = [other for other in taken if looks_like_prose(other.text)]
        if prose or chars > rule.max_chars or words >= MAX_CUT_SHARE * total_words:
            reason = (f"line {prose[0].no} reads as article prose" if prose
                      else f"it would remove {chars} characters" if chars > rule.max_chars
                      else "it would remove most of the document")
            warnings.append(f"rule {rule.id}: cut at line {line.no} refused ({reason}); dropped the marker only")
            continue
        for other in taken:
            other.removal = _removal(other, rule)


def drop_duplicates(lines: list[Line]) -> None:
    """Drop a short label that repeats the line just before it, and any caption scraped twice.

    Only adjacent copies go: a scraper that reads a block twice puts the copies
    together, while lines repeated through an article (table rows, "See it
    now: Amazon" in a buying guide, "___" separators, refrains) are its own
    text; on the dev set's gold texts corpus-style dedup removed 125 such lines.
    Repeated widget labels elsewhere are the rule packs' job. A kept line that
    is the start (or the whole) of a neighbouring caption is that caption
    without its photo credit.
    """
    previous: Line | None = None
    for line in lines:
        if not line.kept:
            continue
        if (previous is not None and line.text.casefold() == previous.text.casefold()
                and line.words <= SHORT_LINE_WORDS and not _SENTENCE_END.search(line.text)):
            line.removal = Removal(line=line.no, text=line.text, rule="builtin/duplicate-line",
                                   kind="duplicate", action="drop")
            continue
        previous = line
    for index, line in enumerate(lines):
        if line.removal is None or line.removal.field != "captions":
            continue
        for other in lines[max(0, index - 2):index + 3]:
            if other is line or not other.kept or len(other.text) < 30:
                continue
            if line.text.startswith(other.text) or other.text.startswith(line.text):
                other.removal = Removal(line=other.no, text=other.text, rule="builtin/duplicate-caption",
                                        kind="caption", action="drop")


def assemble(lines: list[Line]) -> str:
    """The kept lines, blocks separated by one blank line."""
    blocks: list[list[str]] = []
    last_block = None
    for line in lines:
        if not line.kept or not line.text:
            continue
        if line.block != last_block:
            blocks.append([])
            last_block = line.block
        blocks[-1].append(line.text)
    return "\n\n".join("\n".join(block) for block in blocks)
