"""Clean plain text: normalise, split into lines, apply rules, drop duplicates.

The unit every rule sees is one normalised line: rules match whole
normalised lines, anchored, with a word cap. Blank lines separate blocks;
the body keeps that block structure, so re-cleaning a body changes nothing.
Nothing here reads files or knows about headers: it only decides, for each
line, whether it stays, loses a fragment, moves to the header or goes, and
records which rule said so.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ..rulebook.gates import Screen, passes
from ..rulebook.rulefile import Rule
from ..rulebook.textform import fold
from .document import Removal

_CLOSERS = "\"'”’)]"  # may follow a sentence's last stop
PROSE_MIN_WORDS = 12  # a line this long that ends a sentence is article prose
MAX_CUT_SHARE = 0.5  # a cut may never take more than half of a document's words
ARTICLE_SIDE_SHARE = 0.8  # a cut may take prose, however long, when this share of the prose is on its other side
ARTICLE_SIDE_WORDS = 100  # ... and that side holds at least this many prose words
SHORT_LINE_WORDS = 12  # an adjacent repeat this short, and not ending a sentence, is scraped twice


def ends_sentence(text: str) -> bool:
    """Ends with . ! ? or …, perhaps followed by closing quotes and brackets."""
    return text.rstrip(_CLOSERS)[-1:] in (".", "!", "?", "…")


def looks_like_prose(text: str) -> bool:
    """A sentence-ending line of some length: what a cut must never take."""
    return ends_sentence(text) and len(text.split()) >= PROSE_MIN_WORDS


@dataclass(eq=False, slots=True)
class Line:
    """One non-blank line of the normalised input and what the rules decided for it."""

    no: int  # the input's own line number (textform.line_numbers)
    block: int  # index of the blank-line-separated block it belongs to
    text: str  # current text: fragments stripped by rules are gone from it
    words: int  # counted once: every rule's word cap reads it
    removal: Removal | None = None  # set when the whole line left the body (None: the line is kept)
    rule: Rule | None = None  # the rule behind ``removal``, when a rule file's
    # immutable defaults: a page has hundreds of lines and most never get a strip or a rule to try
    strips: tuple[Removal, ...] = ()
    folded: str = ""  # gates.fold(text): split_lines and rewrite() set it
    tried: frozenset[str] = frozenset()  # ids of rules whose regex left this text as it is
    admits: Sequence[Rule] = ()  # rules whose gate and word cap let this text through
    admitted_by: _RuleIndex | None = None  # the index whose rules ``admits`` was chosen from
    protected: bool = False  # a ``keep`` rule matched: no later rule and no model may take it

    def rewrite(self, text: str) -> None:
        """What is left after a strip rule took a fragment: rules see a new text."""
        self.text, self.words, self.folded = text, len(text.split()), fold(text)
        self.admits, self.admitted_by, self.tried = (), None, frozenset()


@dataclass
class CutBudget:
    """A document's words, and those its cuts took so far: all its cuts together stay under MAX_CUT_SHARE.

    One per document, shared by the first rule pass and settle()'s later ones,
    so two cuts of 40% each are refused as one cut of 80% would be.
    """

    total: int
    taken: int = 0
    cuts: list[str] = field(default_factory=list)  # rule ids of the cuts made so far
    # whether a cut may take the prose behind the article (_article_behind): not in an HTML stage's
    # extraction, which ends where its extractor saw the article end (there the measured change lost text)
    past_article: bool = True

    @classmethod
    def of(cls, lines: list[Line], past_article: bool = True) -> CutBudget:
        return cls(sum(line.words for line in lines) or 1, past_article=past_article)


def split_lines(text: str, folded: str, numbers: Sequence[int] | None = None) -> list[Line]:
    """Non-blank lines of normalised ``text`` with their block numbers (``folded``: ``fold(text)``).

    ``numbers``: the input's line number of each line of ``text`` (default: 1, 2, ...).
    """
    lines, block = [], 0
    # fold never makes or takes a newline, so the two splits line up
    for index, (raw, folded_line) in enumerate(zip(text.split("\n"), folded.split("\n"))):
        if not raw:
            block += 1
        else:  # normalised: words are separated by single spaces
            no = numbers[index] if numbers is not None and index < len(numbers) else index + 1
            lines.append(Line(no, block, raw, raw.count(" ") + 1, folded=folded_line))
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
        """The rule's verdict, remembered per line text: a later pass over the same text asks again."""
        if rule.id in self.skipped or rule.id in line.tried:
            return None
        try:
            verdict = rule.apply(line.text, line.words)
        except TimeoutError:
            self.skipped.add(rule.id)
            self.warnings.append(
                f"rule {rule.id} ({rule.file}:{rule.line}) timed out on line {line.no}; skipped for this document"
            )
            return None
        if verdict is None:
            line.tried |= {rule.id}
        return verdict


def _in_range(rule: Rule, index: int, total: int) -> bool:
    if rule.in_first is not None and index >= rule.in_first:
        return False
    if rule.in_last is not None and index < total - rule.in_last:
        return False
    return True


class _RuleIndex:
    """The rules each line of a document could match, found without running their regexes.

    One Screen (gates.py) scan over the document pairs lines with the rules
    whose gates' first strings they hold; only those pairs are checked in full
    (gate and word cap), and most lines of an article pair with no rule at
    all. Rules without a gate meet every line. What a line admits does not
    depend on where it sits, so it is kept on the line: a later pass over the
    same text with some of these rules (settle) needs no scan. Rule order is
    kept, so the first rule that matches still wins.
    """

    def __init__(self, rules: tuple[Rule, ...]):
        self.members = frozenset(rules)
        self.whole = [r for r in rules if r.action != "strip"]
        self.strips = [r for r in rules if r.action == "strip"]
        self._ordered = self.whole + self.strips  # Screen's gate numbers
        self._screen = Screen([rule.gate for rule in self._ordered])
        self._covers: dict[_RuleIndex | None, bool] = {}  # an index that admitted lines -> its rules hold these

    def admit(self, lines: list[Line]) -> None:
        """Set ``admits`` on every line that has none from these rules or more."""
        covers = self._covers
        for other in {line.admitted_by for line in lines}.difference(covers):
            covers[other] = other is not None and self.members <= other.members
        fresh = [line for line in lines if not covers[line.admitted_by]]
        pairs = self._screen.lines([line.folded for line in fresh]) if fresh else {}
        ungated = self._screen.ungated
        for number, line in enumerate(fresh):
            paired = pairs.get(number)
            line.admits = [self._ordered[i] for i in sorted(paired.union(ungated) if paired else ungated)
                           if _admits(self._ordered[i], line)] if paired or ungated else []
            line.admitted_by = self

    def admitted(self, line: Line) -> list[Rule]:
        """The rules of this index that ``line.admits`` (set by admit()), in rule order."""
        if line.admitted_by is self:
            return line.admits
        return [rule for rule in line.admits if rule in self.members]


def _admits(rule: Rule, line: Line) -> bool:
    """Whether the rule's gate, and a whole-line rule's word cap, let the line through."""
    capped = rule.action != "strip" and rule.max_words is not None and line.words > rule.max_words
    return not capped and passes(rule.gate, line.folded)


@lru_cache(maxsize=64)
def _index(rules: tuple[Rule, ...]) -> _RuleIndex:
    """The index of a rule list, built once: lists repeat (the generic rules plus one site's).

    Each holds a compiled automaton (about 2 MB for the shipped generic rules,
    3 ms to build), so a worker keeps at most 64: enough for every shipped site
    file with and without its position-dependent subset.
    """
    return _RuleIndex(rules)


def could_match(lines: list[Line], rules: list[Rule]) -> bool:
    """Whether some rule's gate and word cap admit one of the lines: if not, classify() would change nothing."""
    rule_index = _index(tuple(rules))
    rule_index.admit(lines)
    return any(rule_index.admitted(line) for line in lines if line.admits)


def classify(lines: list[Line], rules: list[Rule], warnings: list[str], budget: CutBudget | None = None) -> bool:
    """Decide each line's fate with the first whole-line rule that matches; strip the rest.

    ``budget``: the document's cuts so far (default: ``lines`` are the whole
    document and none was cut). Returns whether any line was removed or rewritten.
    """
    matcher = _Matcher(rules, warnings)
    rule_index = _index(tuple(rules))
    rule_index.admit(lines)
    total = len(lines)
    changed = False
    for index, line in enumerate(lines):
        if not line.admits:  # most lines: no rule to try
            continue
        admitted = rule_index.admitted(line)
        for rule in admitted:
            if rule.action != "strip" and _in_range(rule, index, total) and matcher.apply(rule, line) == "":
                if rule.action == "keep":
                    line.protected = True
                    break
                line.removal, line.rule = _removal(line, rule), rule
                changed = True
                break
        else:
            strips = [rule for rule in admitted if rule.action == "strip"]
            changed = bool(strips) and _strip(line, index, total, strips, rule_index, matcher) or changed
    return _apply_cuts(lines, warnings, budget or CutBudget.of(lines)) or changed


def _strip(line: Line, index: int, total: int, strips: list[Rule], rule_index: _RuleIndex,
           matcher: _Matcher) -> bool:
    """Apply the strip rules a kept line admits, in order; returns whether any took a fragment.

    A rewritten line is admitted again for the strip rules after the one that
    rewrote it: taking a fragment out can join text into one of their strings.
    """
    changed = False
    while strips:
        rule = strips.pop(0)
        if not _in_range(rule, index, total):
            continue
        rest = matcher.apply(rule, line)
        if rest:
            fragment = line.text[len(rest):] if line.text.startswith(rest) else line.text
            line.strips += (_removal(line, rule, text=fragment.strip()),)
            line.rewrite(rest)
            changed = True
            rule_index.admit([line])
            later = rule_index.strips[rule_index.strips.index(rule) + 1:]
            strips = [other for other in rule_index.admitted(line) if other in later]
    return changed


def _apply_cuts(lines: list[Line], warnings: list[str], budget: CutBudget) -> bool:
    """Extend cut markers over the lines after (or before) them when that is safe.

    Safe means: the lines it would take hold no article prose and add up to at
    most the rule's ``max_chars`` (both waived when the article is behind the
    marker, :func:`_article_behind`), and, with what the document's earlier
    cuts took, to less than half of the document's words (``budget``).
    Otherwise only the marker goes, with a warning naming the rule. Returns
    whether a cut took any line.
    """
    markers = [index for index, line in enumerate(lines) if line.rule is not None and line.removal is not None
               and line.rule.action in ("cut-to-end", "cut-from-start")]
    if not markers:
        return False
    taken_any = False
    for index in markers:
        line = lines[index]
        rule = line.rule
        span = lines[index + 1:] if rule.action == "cut-to-end" else lines[:index]
        taken = [other for other in span if other.removal is None and not other.protected]
        kept = lines[:index] if rule.action == "cut-to-end" else lines[index + 1:]
        reason = _refusal(taken, kept, rule.max_chars, budget)
        if reason:
            warnings.append(f"rule {rule.id}: cut at line {line.no} refused ({reason}); dropped the marker only")
            continue
        for other in taken:
            other.removal = _removal(other, rule)
        if taken:
            budget.taken += sum(other.words for other in taken)
            budget.cuts.append(rule.id)
        taken_any = taken_any or bool(taken)
    return taken_any


def _prose_words(lines: list[Line]) -> int:
    return sum(line.words for line in lines if line.removal is None and looks_like_prose(line.text))


def _article_behind(kept: list[Line], taken: list[Line]) -> bool:
    """Whether the article is on the side of the marker a cut keeps: most of the document's prose is there.

    Then the prose after a "Comments" or "Related" header is the thread or
    the teasers (whole-page text has long ones), not the article's end.
    """
    behind = _prose_words(kept)
    return behind >= ARTICLE_SIDE_WORDS and behind >= ARTICLE_SIDE_SHARE * (behind + _prose_words(taken))


def _guard_refusal(taken: list[Line], max_chars: int) -> str | None:
    """The prose or length reason against taking these lines, if any."""
    prose = next((other for other in taken if looks_like_prose(other.text)), None)
    if prose:
        return f"line {prose.no} reads as article prose"
    chars = sum(len(other.text) for other in taken)
    return f"it would remove {chars} characters" if chars > max_chars else None


def _refusal(taken: list[Line], kept: list[Line], max_chars: int, budget: CutBudget) -> str | None:
    """Why a cut may not take these lines (the first reason found), or None when it may.

    Prose and length stop a cut unless the article is behind it (:func:`_article_behind`,
    counted only for a cut they would stop); the document's budget stops it always.
    """
    guard = _guard_refusal(taken, max_chars)
    if guard and not (budget.past_article and _article_behind(kept, taken)):
        return guard
    words = sum(other.words for other in taken)
    if budget.taken + words >= MAX_CUT_SHARE * budget.total:
        if budget.taken:
            return f"with the document's earlier cuts ({', '.join(dict.fromkeys(budget.cuts))}) " \
                   "it would remove most of the document"
        return "it would remove most of the document"
    return None


def drop_duplicates(lines: list[Line]) -> bool:
    """Drop a short label that repeats the line just before it, and any caption scraped twice.

    Only adjacent copies go: a scraper that reads a block twice puts the copies
    together, while lines repeated through an article (table rows, "See it
    now: Amazon" in a buying guide, "___" separators, refrains) are its own
    text; on the dev set's gold texts corpus-style dedup removed 125 such lines.
    Repeated widget labels elsewhere are the rule packs' job. A kept line that
    is the start (or the whole) of a neighbouring caption is that caption
    without its photo credit. Returns whether any line went.
    """
    dropped = False
    previous: Line | None = None
    for line in lines:
        if line.removal is not None:
            continue
        if (previous is not None and line.words <= SHORT_LINE_WORDS and line.words == previous.words
                and line.text.casefold() == previous.text.casefold() and not ends_sentence(line.text)):
            line.removal = Removal(line=line.no, text=line.text, rule="builtin/duplicate-line",
                                   kind="duplicate", action="drop")
            dropped = True
            continue
        previous = line
    for index, line in enumerate(lines):
        if line.removal is None or line.removal.field != "captions":
            continue
        for other in lines[max(0, index - 2):index + 3]:
            if other is line or other.removal is not None or len(other.text) < 30:
                continue
            if line.text.startswith(other.text) or other.text.startswith(line.text):
                other.removal = Removal(line=other.no, text=other.text, rule="builtin/duplicate-caption",
                                        kind="caption", action="drop")
                dropped = True
    return dropped


def assemble(lines: list[Line]) -> str:
    """The kept lines, blocks separated by one blank line."""
    blocks: list[list[str]] = []
    last_block = None
    for line in lines:
        if line.removal is not None or not line.text:
            continue
        if line.block != last_block:
            blocks.append([])
            last_block = line.block
        blocks[-1].append(line.text)
    return "\n\n".join("\n".join(block) for block in blocks)
