"""The line model's stage: a content score for each line the rules kept, and the verdict.

The rules remove the residue they can name; whole-page text is mostly lines
no phrase list names (menus, teasers, link lists, footers, comment threads).
Each kept line gets features of its own (length, sentence end, capitals,
digits, stopwords of the page's language), of where it sits (position, the
page's longest run of long lines, its densest run of prose) and of its
neighbours; a logistic regression (rulebook.linemodel: plain data) turns
them into a content probability. The decision reads the page as jusText and
boilerpipe do: the main region is the stretch of lines whose scores add up
best; inside it a line goes only when the model is sure it is boilerplate,
outside it unless the model is sure it is content.

Logistic regression because the installed package must score a page without
a training library, in plain Python: one dot product a line. What else was
tried (gradient boosting, a vocabulary of words, a second stacked stage) and
its figures are in bench/RESULTS.md.
"""
from __future__ import annotations

import importlib.util
import math
import re
from operator import mul
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from ..rulebook.linemodel import NEIGHBOUR_COLUMNS, NEIGHBOURS, OWN, Decision, LineModel
from .document import Removal
from .text import Line

_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_URL = re.compile(r"https?://|www\.|\.com\b|@\w+\.\w+")
_DATE = re.compile(r"\b(?:19|20)\d\d\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b",
                   re.IGNORECASE)
_ENDS = frozenset(".!?…")
_CLOSERS = "\"'”’)]»"
_BULLETS = tuple("•·-*–—►▶»>|")
_QUOTES = frozenset("\"“”«")
DENSE_WINDOW = 7  # lines around a line counted for the densest prose run
PROSE_WORDS = 10  # a sentence-ending line this long counts as prose for the dense-run features
RUN_WORDS = 6  # lines this long, one after the other, make a run
LANGUAGE_SAMPLE = 400  # lines read to choose the page's language
REASONS = 3  # features named for each removal
KIND = "boilerplate"  # the kind the model's removals are counted under


def _own(text: str, stopwords: frozenset[str]) -> list[float]:
    """The features of a line by itself (a hot loop: one regex pass for the words, one for the digits)."""
    chars = len(text)
    words = text.count(" ") + 1
    tokens = _WORD.findall(text)
    folded = _WORD.findall(text.casefold())
    alpha = [t for t in tokens if t.isalpha()]
    last = text.rstrip(_CLOSERS)[-1:]
    n_alpha = len(alpha) or 1
    n_tokens = len(tokens) or 1
    word_chars = sum(map(len, tokens))
    return [
        math.log1p(words), math.log1p(chars), float(last in _ENDS), float(last == ":"),
        float(bool(last) and not last.isalnum() and last not in _ENDS and last != ":"),
        sum(1 for w in alpha if w[0].isupper()) / n_alpha,
        sum(1 for w in alpha if len(w) > 1 and w.isupper()) / n_alpha,
        len(_DIGIT.findall(text)) / chars, (chars - word_chars - (words - 1)) / chars,
        sum(map(stopwords.__contains__, folded)) / n_tokens,
        word_chars / n_tokens,
        float(_URL.search(text) is not None), float(" | " in text or " / " in text),
        float(text.startswith(_BULLETS)), float("©" in text or "(c)" in text.casefold()),
    ]


def best_segment(values: Sequence[float]) -> tuple[int, int]:
    """First and last index of the stretch with the largest sum (empty: (0, -1))."""
    best, current, start, first, last = 0.0, 0.0, 0, 0, -1
    for index, value in enumerate(values):
        if current <= 0:
            current, start = value, index
        else:
            current += value
        if current > best:
            best, first, last = current, start, index
    return first, last


def _place(lines: Sequence[str], own: list[list[float]], words: list[int]) -> list[list[float]]:
    """Where each line sits: position, the densest prose, repeats, its length against the page's."""
    total_lines = len(lines)
    median = sorted(words)[total_lines // 2] or 1
    repeats = Counter(text.casefold() for text in lines)
    prose = [n if row[2] and n >= PROSE_WORDS else 0 for row, n in zip(own, words)]
    prefix = [0]
    for value in prose:
        prefix.append(prefix[-1] + value)
    half = DENSE_WINDOW // 2
    density = [prefix[min(total_lines, i + half + 1)] - prefix[max(0, i - half)] for i in range(total_lines)]
    densest = max(range(total_lines), key=density.__getitem__)
    first, last = best_segment([value - 3 for value in prose])
    total_words = sum(words)
    rows, before = [], 0
    for index, (text, row, n) in enumerate(zip(lines, own, words)):
        after = total_words - before - n
        rows.append([
            index / total_lines, math.log1p(before), math.log1p(after), n / median,
            float(min(repeats[text.casefold()] - 1, 5)), text.count(",") / n,
            math.log1p(abs(index - densest)), float(first <= index <= last), float(n <= 3), float(n == 1),
            float(2 <= n <= 15 and not row[2] and row[5] > 0.6), float(_DATE.search(text) is not None),
            float("@" in text), float(not _QUOTES.isdisjoint(text)),
        ])
        before += n
    return rows


def _neighbours(own: list[list[float]]) -> list[list[float]]:
    """Some of the neighbouring lines' own features, and whether there is a neighbour at all."""
    columns = [OWN.index(name) for name in NEIGHBOUR_COLUMNS]
    blank = [0.0] * (len(columns) + 1)
    total = len(own)
    rows = []
    for index in range(total):
        row: list[float] = []
        for offset in NEIGHBOURS:
            other = index + offset
            row.extend([own[other][c] for c in columns] + [1.0] if 0 <= other < total else blank)
        rows.append(row)
    return rows


def _runs(words: list[int]) -> list[list[float]]:
    """Runs of long lines: the article is usually the longest one."""
    total_lines = len(words)
    run_of = [-1] * total_lines
    runs: list[tuple[int, int, int]] = []
    index = 0
    while index < total_lines:
        if words[index] < RUN_WORDS:
            index += 1
            continue
        end = index
        while end + 1 < total_lines and words[end + 1] >= RUN_WORDS:
            end += 1
        for member in range(index, end + 1):
            run_of[member] = len(runs)
        runs.append((index, end, sum(words[index:end + 1])))
        index = end + 1
    total_words = sum(words) or 1
    order = sorted(range(len(runs)), key=lambda r: -runs[r][2])
    rank = {run: place for place, run in enumerate(order)}
    first, last, longest = runs[order[0]] if runs else (0, -1, 0)
    rows = []
    for index in range(total_lines):
        run = run_of[index]
        run_words = runs[run][2] if run >= 0 else 0
        run_lines = runs[run][1] - runs[run][0] + 1 if run >= 0 else 0
        distance = 0 if first <= index <= last else (first - index if index < first else index - last)
        rows.append([math.log1p(run_words), run_words / total_words, math.log1p(rank.get(run, 30)),
                     float(run >= 0 and rank[run] == 0), math.log1p(run_lines), math.log1p(distance),
                     float(index < first), float(index > last), longest / total_words])
    return rows


def features(lines: Sequence[str], stopwords: frozenset[str]) -> list[list[float]]:
    """One row of FEATURES (rulebook.linemodel) per line (``lines``: normalised, non-blank)."""
    if not lines:
        return []
    own = [_own(text, stopwords) for text in lines]
    words = [text.count(" ") + 1 for text in lines]
    return [a + b + c + d for a, b, c, d in zip(own, _place(lines, own, words), _neighbours(own), _runs(words))]


@lru_cache(maxsize=None)
def stoplist(language: str) -> frozenset[str]:
    """jusText's stopword list for a language (installed with trafilatura), casefolded.

    Read from jusText's data folder without importing jusText, which loads
    lxml: ``cleaner check`` on a text file must stay light.
    """
    spec = importlib.util.find_spec("justext")
    folder = Path(next(iter(spec.submodule_search_locations or ()))) if spec else None
    try:
        text = (folder / "stoplists" / f"{language}.txt").read_text(encoding="utf-8") if folder else ""
    except OSError:
        text = ""
    return frozenset(word.strip().casefold() for word in text.splitlines() if word.strip())


def page_language(lines: Sequence[str], languages: Sequence[str]) -> str:
    """The candidate language whose stopwords cover most of the page's words."""
    if len(languages) == 1:
        return languages[0]
    tokens = [t.casefold() for text in lines[:LANGUAGE_SAMPLE] for t in _WORD.findall(text)]
    return max(languages, key=lambda language: sum(1 for t in tokens if t in stoplist(language)))


@dataclass(frozen=True)
class Verdict:
    """The model's word on one line: its content score, and why it goes when it goes."""

    score: float
    remove: bool
    reasons: tuple[str, ...] = ()  # the features that pulled the score down most


def scores(model: LineModel, lines: Sequence[str]) -> list[float]:
    """The content probability of each line (``lines``: normalised, non-blank)."""
    return _scored(model, lines)[1]


def _scored(model: LineModel, lines: Sequence[str]) -> tuple[list[list[float]], list[float]]:
    """Each line's feature row and content probability."""
    weights, bias = _coefficients(model)
    rows = features(lines, stoplist(page_language(lines, model.languages)))
    return rows, [_sigmoid(bias + sum(map(mul, weights, row))) for row in rows]


def judges(decision: Decision, lines: Sequence[str]) -> bool:
    """Whether the model reads this page at all: long enough, and not already mostly article lines.

    Extracted article text (what trafilatura or a careful scraper gives) is
    long lines almost throughout; whole-page text is full of short ones. On
    the first the model found nothing to gain that was worth a paragraph.
    """
    if len(lines) < decision.min_lines:
        return False
    short = sum(1 for text in lines if text.count(" ") + 1 < RUN_WORDS)
    return short >= decision.min_short_share * len(lines)


def judge(model: LineModel, lines: Sequence[str]) -> list[Verdict]:
    """A verdict per line; nothing goes on a page the model does not read (see judges())."""
    if not judges(model.decision, lines):
        return [Verdict(1.0, False) for _ in lines]
    rows, content = _scored(model, lines)
    weights = _coefficients(model)[0]
    return [Verdict(score, remove, _reasons(model, row, weights) if remove else ())
            for row, score, remove in zip(rows, content, decide(model.decision, lines, content))]


def decide(decision: Decision, lines: Sequence[str], content: Sequence[float]) -> list[bool]:
    """Which lines go, from their scores: the main region's lines need less to stay."""
    words = [text.count(" ") + 1 for text in lines]
    first, last = best_segment([(s - decision.region) * math.log1p(n) for s, n in zip(content, words)])
    return [s < (decision.inside if first <= index <= last else decision.outside)
            for index, s in enumerate(content)]


def _reasons(model: LineModel, row: list[float], weights: list[float]) -> tuple[str, ...]:
    """The features that pulled this line's score down most, against the training data's average line."""
    pulls = sorted((w * (x - m), name) for w, x, m, name in zip(weights, row, model.mean, model.features))
    return tuple(name for pull, name in pulls[:REASONS] if pull < 0)


@lru_cache(maxsize=8)
def _coefficients(model: LineModel) -> tuple[list[float], float]:
    """Weights and bias on the raw features: the scaling folded in once per model."""
    weights = [w / s for w, s in zip(model.weights, model.scale)]
    return weights, model.bias - sum(w * m for w, m in zip(weights, model.mean))


def _sigmoid(value: float) -> float:
    return 0.0 if value < -50 else 1.0 / (1.0 + math.exp(-value))


def apply_model(model: LineModel, lines: list[Line], spare: Sequence[Line] = ()) -> int:
    """Remove the kept lines the model judges boilerplate; returns how many went.

    It reads every kept line, protected ones too (they are context), but takes
    none that a ``keep`` rule protects (a person's rule has the last word) and
    none of ``spare`` (the caller's: lines bound for the header).
    """
    kept = [line for line in lines if line.removal is None]
    taken = 0
    for line, verdict in zip(kept, judge(model, [line.text for line in kept])):
        if verdict.remove and not line.protected and line not in spare:
            line.removal = Removal(line=line.no, text=line.text, rule=model.id, kind=KIND, action="drop",
                                   rule_file=model.path, score=round(verdict.score, 3), reasons=verdict.reasons)
            taken += 1
    return taken
