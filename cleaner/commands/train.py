"""``cleaner train``: fit the line model on pages with gold text, cross-validated by site.

Each record holds a page's text (or HTML) and the gold article text. The
page goes through the rules as it would when cleaned, and each line they
keep is labelled by its alignment to the gold: content when most of its
tokens sit in a 3-token run of the gold text (a short line: when the gold
has it as a line). A logistic regression is fitted on the features of
``cleaner.stages.linemodel``; the decision's thresholds are chosen on
out-of-fold scores (no site in two folds) for the best F1 whose loss of gold
paragraphs stays within ``--max-lost`` of keeping every line, over all the
pages and on each rendering (text field) of each input file. Then the end
model is fitted, stacked, on those out-of-fold scores (a line is "after"
when it follows the page's last gold line), cross-validated on the same
folds, and kept only if some end_lean beats the decision without it under
the same bound (the decision's other settings as chosen); then, the same
way, the islands (island_gap, island_share) and the head's floor
(head_inside). The figures of each rendering are recorded beside; the file
records the command, the data and those figures. Needs the ``train`` extra
(scikit-learn); scoring pages later does not.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import mean
from typing import Any, Iterator, Sequence
from urllib.parse import urlsplit

from ..rulebook.linemodel import FEATURES, Decision, EndModel, LineModel
from ..rulebook.ruleset import RuleSet
from ..stages.document import Source
from ..stages.linemodel import (PageCues, decide, end_features, features, judges, page_cues, probabilities,
                               scores)
from ..stages.pipeline import html_stage, rule_pass

INSTALL = "pip install 'cleaner[train]'"
LABEL_GRAM = 3  # a line is content when most of its tokens sit in a run of this many gold tokens
GRID_LEAN = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0)
GRID_SWITCH = (1.0, 3.0)
GRID_INSIDE = (0.02, 0.05, 0.1)
GRID_END_LEAN = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
GRID_ISLAND_GAP = (10, 15, 30, 60)
GRID_ISLAND_SHARE = (0.05, 0.1, 0.15, 0.2, 0.3)
GRID_HEAD_INSIDE = (0.2, 0.4, 0.6, 0.8)
_TOKEN = re.compile(r"\w+")


class TrainError(Exception):
    """Training cannot go on: one line for the user."""


@dataclass(frozen=True)
class TrainOptions:
    """What ``cleaner train`` was asked for; recorded in the model file."""

    text_fields: tuple[str, ...] = ("text",)
    gold_field: str = "gold"
    url_field: str = "url"
    html_field: str = "html"
    folds: int = 5
    seed: int = 0
    c: float = 1.0
    max_lost: float = 0.02
    min_lines: int = 8
    min_short_share: float = 0.0
    name: str = "lines"
    version: str = "1"
    languages: tuple[str, ...] = ("English",)
    without_url: bool = False  # each page with a URL is also a page without it (a rendering of its own)


@dataclass
class Page:
    """One page as the model sees it: the lines the rules kept, their labels, its site and gold text."""

    lines: list[str]
    labels: list[int]
    gold: str
    site: str
    field: str
    url: str | None = None
    source: str = ""  # the file it was read from


def label_lines(lines: Sequence[str], gold: str, n: int = LABEL_GRAM) -> list[int]:
    """1 for a line the gold text holds (see the module docstring), else 0."""
    gold_tokens = [t.casefold() for t in _TOKEN.findall(gold)]
    grams = {tuple(gold_tokens[i:i + n]) for i in range(len(gold_tokens) - n + 1)}
    gold_lines = {" ".join(_TOKEN.findall(line.casefold())) for line in gold.split("\n") if line.strip()}
    joined = " " + " ".join(gold_tokens) + " "
    labels = []
    for line in lines:
        tokens = [t.casefold() for t in _TOKEN.findall(line)]
        if len(tokens) < n + 2:
            text = " ".join(tokens)
            labels.append(int(bool(tokens) and (text in gold_lines or (len(tokens) >= n and f" {text} " in joined))))
            continue
        hit = [False] * len(tokens)
        for i in range(len(tokens) - n + 1):
            if tuple(tokens[i:i + n]) in grams:
                hit[i:i + n] = [True] * n
        labels.append(int(sum(hit) >= 0.5 * len(tokens)))
    return labels


def site_of(url: str | None) -> str:
    """The page's host without ``www.``: pages of one host never sit in two folds."""
    host = (urlsplit(url or "").hostname or "").lower()
    return host.removeprefix("www.")


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The JSON records of a JSONL file, gzipped or not."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except ValueError as error:
                        raise TrainError(f"{path}:{number}: not a JSON record: {error}") from None
    except (OSError, EOFError) as error:
        raise TrainError(f"{path}: {error}") from None


def page_lines(record: dict[str, Any], field: str, ruleset: RuleSet, options: TrainOptions) -> list[str] | None:
    """The lines the rules keep of one rendering of a page (HTML: of trafilatura's text), or None."""
    url = record.get(options.url_field)
    text = record.get(field)
    if not isinstance(text, str) and isinstance(record.get(options.html_field), str):
        text = html_stage(Source(text="", html=record[options.html_field], url=url), ruleset)[0].text
    if not isinstance(text, str) or not text.strip():
        return None
    lines, *_ = rule_pass(Source(text=text, url=url if isinstance(url, str) else None), ruleset)
    return [line.text for line in lines if line.removal is None]


def load_pages(paths: Sequence[Path], ruleset: RuleSet, options: TrainOptions) -> list[Page]:
    """Every record's renderings as training pages; a record without gold text is passed over."""
    pages = []
    for path in paths:
        for record in read_records(path):
            gold = record.get(options.gold_field)
            if not isinstance(gold, str) or not gold.strip():
                continue
            for field in options.text_fields:
                lines = page_lines(record, field, ruleset, options)
                if lines:
                    url = record.get(options.url_field)
                    url = url if isinstance(url, str) else None
                    page = Page(lines, label_lines(lines, gold), gold, site_of(url), field, url, path.name)
                    pages.append(page)
                    if options.without_url and url:  # same site, so the same fold: only the URL's cues go
                        pages.append(replace(page, field=f"{field} without URL", url=None))
    return pages


class Scorer:
    """The benchmark's figures for keep decisions on fixed pages; each gold text is read once.

    4-token shingle precision and recall (means over pages, F1 of the means),
    and lost: the share of gold paragraphs of 5+ tokens of which fewer than
    half the tokens survive.
    """

    def __init__(self, pages: Sequence[Page]):
        self.truth = [_shingles(_TOKEN.findall(page.gold)) for page in pages]
        self.paragraphs = [[Counter(tokens) for tokens in map(_TOKEN.findall, re.split(r"\n+", page.gold))
                            if len(tokens) >= 5] for page in pages]
        self.tokens = [[_TOKEN.findall(line) for line in page.lines] for page in pages]

    def figures(self, kept: Sequence[Sequence[bool]]) -> dict[str, float]:
        precisions, recalls, losts = [], [], []
        for truth, paragraphs, line_tokens, keep in zip(self.truth, self.paragraphs, self.tokens, kept):
            tokens = [t for toks, k in zip(line_tokens, keep) if k for t in toks]
            predicted = _shingles(tokens)
            tp = sum((truth & predicted).values())
            fp, fn = sum(predicted.values()) - tp, sum(truth.values()) - tp
            precisions.append(1.0 if fp == fn == 0 else 0.0 if tp == fp == 0 else tp / (tp + fp))
            recalls.append(1.0 if fp == fn == 0 else 0.0 if tp == fn == 0 else tp / (tp + fn))
            have = Counter(tokens)
            gone = sum(sum(min(n, have[w]) for w, n in p.items()) < 0.5 * sum(p.values()) for p in paragraphs)
            losts.append(gone / len(paragraphs) if paragraphs else 0.0)
        precision, recall = mean(precisions), mean(recalls)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"P": round(precision, 3), "R": round(recall, 3), "F1": round(f1, 3), "lost": round(mean(losts), 3),
                "pages": len(kept)}


def _shingles(tokens: list[str]) -> Counter:
    return Counter(" ".join(tokens[i:i + 4]) for i in range(max(1, len(tokens) - 3)) if tokens[i:i + 4])


def folds_by_site(pages: Sequence[Page], k: int) -> list[list[int]]:
    """k folds of page indexes, each site in one fold only, balanced greedily (deterministic)."""
    by_site: dict[str, list[int]] = {}
    for index, page in enumerate(pages):
        by_site.setdefault(page.site, []).append(index)
    folds: list[list[int]] = [[] for _ in range(k)]
    for site in sorted(by_site, key=lambda s: (-len(by_site[s]), s)):
        min(folds, key=len).extend(by_site[site])
    return [fold for fold in folds if fold]


def fit(rows: list[list[float]], labels: list[int], options: TrainOptions,
        sample_weights: list[float] | None = None) -> tuple[list, list, list, float]:
    """Means, scales, weights (on standardised features) and bias of a logistic regression."""
    import numpy as np  # the train extra
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(rows, dtype=float)
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales = np.where(scales > 0, scales, 1.0)
    learner = LogisticRegression(C=options.c, max_iter=5000, random_state=options.seed)
    learner.fit((x - means) / scales, np.asarray(labels), sample_weight=sample_weights)
    return list(map(float, means)), list(map(float, scales)), list(map(float, learner.coef_[0])), \
        float(learner.intercept_[0])


def make_model(parts: tuple[list, list, list, float], decision: Decision, options: TrainOptions,
               training: dict[str, Any] | None = None) -> LineModel:
    """The LineModel of fitted parts (see fit()) and a decision."""
    means, scales, weights, bias = parts
    return LineModel(name=options.name, version=options.version, features=FEATURES, mean=tuple(means),
                     scale=tuple(scales), weights=tuple(weights), bias=bias, decision=decision,
                     languages=options.languages, training=training or {})


def out_of_fold(pages: Sequence[Page], rows: Sequence[list[list[float]]], cues: Sequence[PageCues],
                options: TrainOptions) -> list[list[float]]:
    """Each page's line scores from a model fitted without its site."""
    found: list[list[float]] = [[] for _ in pages]
    for fold in folds_by_site(pages, options.folds):
        held = set(fold)
        train = [i for i in range(len(pages)) if i not in held]
        if not train:
            raise TrainError("cross-validation needs pages of at least two sites")
        parts = fit([r for i in train for r in rows[i]], [y for i in train for y in pages[i].labels], options)
        model = make_model(parts, Decision(0.0, 1.0, 0.5, 0, 0.0), options)
        for i in fold:
            found[i] = scores(model, pages[i].lines, cues[i])
    return found


def choose_decision(pages: Sequence[Page], oof: Sequence[list[float]], options: TrainOptions,
                    candidates: Sequence[Decision] | None = None, after: Sequence[list[float] | None] | None = None
                    ) -> tuple[Decision, dict[str, float], dict[str, float]]:
    """The decision of best F1 whose lost stays within max_lost of keeping every line; its figures and the floor's.

    ``candidates``: the grid of lean, switch and inside by default. Lost is
    held on each rendering (text field) of each input file as well as over
    all pages: pooled, the renderings the model barely touches, or a larger
    file, would hide what it takes from the others.
    """
    scorer = Scorer(pages)
    floor = scorer.figures([[True] * len(page.lines) for page in pages])
    fields: dict[tuple[str, str], list[int]] = {}
    for index, page in enumerate(pages):
        fields.setdefault((page.source, page.field), []).append(index)
    per_field = {field: Scorer([pages[i] for i in chosen]) for field, chosen in fields.items()}
    ceilings = {field: per_field[field].figures([[True] * len(pages[i].lines) for i in chosen])["lost"]
                + options.max_lost for field, chosen in fields.items()}
    if candidates is None:
        candidates = [Decision(lean, switch, inside, options.min_lines, options.min_short_share)
                      for lean in GRID_LEAN for switch in GRID_SWITCH for inside in GRID_INSIDE]
    best = (Decision(50.0, 1.0, 0.0, options.min_lines, options.min_short_share), floor)  # removing nothing qualifies
    for decision in candidates:
        kept = _kept(decision, pages, oof, after)
        result = scorer.figures(kept)
        if result["lost"] > floor["lost"] + options.max_lost or result["F1"] <= best[1]["F1"]:
            continue
        if all(per_field[field].figures([kept[i] for i in chosen])["lost"] <= ceilings[field]
               for field, chosen in fields.items()):
            best = (decision, result)
    return best[0], best[1], floor


def end_candidates(chosen: Decision) -> list[Decision]:
    """The decisions tried with the end model: ``chosen`` (no end model), then ``chosen`` with each end_lean."""
    return [chosen] + [replace(chosen, end_lean=end_lean) for end_lean in GRID_END_LEAN]


def island_candidates(chosen: Decision) -> list[Decision]:
    """The decisions tried for the article's islands: ``chosen`` (one span), then each gap and share."""
    return [chosen] + [replace(chosen, island_gap=gap, island_share=share)
                       for gap in GRID_ISLAND_GAP for share in GRID_ISLAND_SHARE]


def head_candidates(chosen: Decision) -> list[Decision]:
    """The decisions tried for the span's head: ``chosen`` (its floor is ``inside``), then each head_inside."""
    return [chosen] + [replace(chosen, head_inside=head) for head in GRID_HEAD_INSIDE]


def _kept(decision: Decision, pages: Sequence[Page], oof: Sequence[list[float]],
          after: Sequence[list[float] | None] | None = None) -> list[list[bool]]:
    """What the model would keep of each page under ``decision``, from scores already computed."""
    after = after or [None] * len(pages)
    return [[not gone for gone in decide(decision, s, a, page.lines)] if judges(decision, page.lines)
            else [True] * len(page.lines) for page, s, a in zip(pages, oof, after)]


# The end model: read after the line model, from its out-of-fold scores (stacked), where the article ends.
def end_rows(pages: Sequence[Page], rows: Sequence[list[list[float]]], oof: Sequence[list[float]],
             options: TrainOptions) -> list[Any]:
    """Each page's END_FEATURES as an array, from its out-of-fold scores; None for pages the model does not read."""
    import numpy as np  # the train extra

    reads = Decision(0.0, 1.0, 0.0, options.min_lines, options.min_short_share)
    return [np.asarray(end_features(page.lines, page_rows, scores_), dtype=float)
            if judges(reads, page.lines) else None for page, page_rows, scores_ in zip(pages, rows, oof)]


def _after_labels(page: Page) -> list[int] | None:
    """1 for each line after the page's last gold line; None when no line is gold (no end to learn)."""
    gold = [index for index, label in enumerate(page.labels) if label]
    return [int(index > gold[-1]) for index in range(len(page.lines))] if gold else None


def fit_end(pages: Sequence[Page], matrices: Sequence[Any], chosen: Sequence[int], options: TrainOptions
            ) -> EndModel | None:
    """The end model fitted on the ``chosen`` pages that have an end to learn, pages weighted equally.

    None when no line of them comes after its page's last gold line: nothing to learn an end from.
    """
    import numpy as np  # the train extra

    found = {i: _after_labels(pages[i]) for i in chosen if matrices[i] is not None}
    usable = [i for i, page_labels in found.items() if page_labels is not None]
    labels = [y for i in usable for y in found[i]]
    if len(set(labels)) < 2:
        return None
    weights = np.concatenate([np.full(len(pages[i].lines), 1.0 / len(pages[i].lines)) for i in usable])
    means, scales, coefficients, bias = fit(np.vstack([matrices[i] for i in usable]), labels, options,
                                            list(weights * len(weights) / weights.sum()))
    return EndModel(tuple(means), tuple(scales), tuple(coefficients), bias)


def end_out_of_fold(pages: Sequence[Page], matrices: Sequence[Any], options: TrainOptions
                    ) -> list[list[float] | None]:
    """Each read page's after-the-end probabilities from an end model fitted without its site."""
    found: list[list[float] | None] = [None] * len(pages)
    for fold in folds_by_site(pages, options.folds):
        held = set(fold)
        end = fit_end(pages, matrices, [i for i in range(len(pages)) if i not in held], options)
        for i in fold:
            if end is not None and matrices[i] is not None:
                found[i] = probabilities(end, matrices[i].tolist())
    return found


def by_field(pages: Sequence[Page], kept: Sequence[Sequence[bool]]) -> dict[str, dict[str, float]]:
    """Figures per rendering (text field), and the floor (every line kept) beside each."""
    result = {}
    for field in sorted({page.field for page in pages}):
        chosen = [i for i, page in enumerate(pages) if page.field == field]
        scorer = Scorer([pages[i] for i in chosen])
        result[field] = {"model": scorer.figures([kept[i] for i in chosen]),
                         "no model": scorer.figures([[True] * len(pages[i].lines) for i in chosen])}
    return result


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def train(paths: Sequence[Path], ruleset: RuleSet, options: TrainOptions, command: str,
          log=lambda message: None) -> LineModel:
    """Fit, cross-validate and describe a line model (see the module docstring)."""
    try:
        import sklearn  # noqa: F401  (fail before the slow part)
    except ImportError:
        raise TrainError(f"cleaner train needs scikit-learn, which is not installed: {INSTALL}") from None
    pages = load_pages(paths, ruleset, options)
    if len({page.site for page in pages}) < 2:
        raise TrainError("training needs pages with gold text from at least two sites")
    log(f"{len(pages)} pages of {len({p.site for p in pages})} sites, {sum(len(p.lines) for p in pages)} lines")
    cues = [page_cues(page.lines, page.url, options.languages, ruleset.lexicons) for page in pages]
    rows = [features(page.lines, cue) for page, cue in zip(pages, cues)]
    oof = out_of_fold(pages, rows, cues, options)
    decision, chosen, floor = choose_decision(pages, oof, options)
    log(f"decision {decision}: cross-validated {chosen} (no model: {floor})")
    matrices = end_rows(pages, rows, oof, options)
    after = end_out_of_fold(pages, matrices, options)
    decision, chosen, _ = choose_decision(pages, oof, options, end_candidates(decision), after)
    log(f"end model kept, end_lean {decision.end_lean}: cross-validated {chosen}" if decision.end_lean is not None
        else "end model not kept: no end_lean beat the decision without it")
    end = fit_end(pages, matrices, range(len(pages)), options) if decision.end_lean is not None else None
    decision = decision if end is not None else replace(decision, end_lean=None)
    decision, chosen, _ = choose_decision(pages, oof, options, island_candidates(decision), after)
    log(f"islands: gap {decision.island_gap}, share {decision.island_share}: cross-validated {chosen}"
        if decision.island_gap is not None else "islands not kept: one span did as well")
    decision, chosen, _ = choose_decision(pages, oof, options, head_candidates(decision), after)
    log(f"head: short lines above the first paragraph kept from {decision.head_inside}: cross-validated {chosen}"
        if decision.head_inside is not None else "head not kept: the inside floor did as well")
    parts = fit([r for page_rows in rows for r in page_rows], [y for page in pages for y in page.labels], options)
    training = {
        "command": command,
        "data": [{"file": path.name, "sha256": _digest(path)} for path in paths],
        "pages": len(pages), "sites": len({page.site for page in pages}),
        "lines": sum(len(page.lines) for page in pages),
        "options": {"text_fields": list(options.text_fields), "gold_field": options.gold_field,
                    "folds": options.folds, "seed": options.seed, "C": options.c, "max_lost": options.max_lost,
                    "min_lines": options.min_lines, "min_short_share": options.min_short_share,
                    "without_url": options.without_url},
        "labels": f"a line is content when most of its tokens sit in a {LABEL_GRAM}-token run of the gold text",
        "cross_validated": {"how": f"{options.folds} folds by site; the decision's thresholds chosen on these "
                                   "out-of-fold scores",
                            "all": {"model": chosen, "no model": floor},
                            **by_field(pages, _kept(decision, pages, oof, after))},
    }
    return replace(make_model(parts, decision, options, training), end=end)


def write_model(model, path: Path) -> None:
    """A line or block model's JSON file, written atomically."""
    from ..atomic import write_atomic

    write_atomic(path, json.dumps(model.to_json(), indent=1, ensure_ascii=False) + "\n")


def main_command(paths: Sequence[Path], output: Path, ruleset: RuleSet, options: TrainOptions,
                 html: bool = False) -> int:
    """Train and write the line model (``html``: the block model); 0, or 2 with one line on stderr."""
    command = "cleaner train " + " ".join(sys.argv[2:]) if len(sys.argv) > 2 else "cleaner train"
    learn = train_blocks if html else train
    try:
        model = learn(paths, ruleset, options, command, log=lambda m: print(m, file=sys.stderr))
    except TrainError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    write_model(model, output)
    print(f"wrote {output}", file=sys.stderr)
    return 0


# ``cleaner train --html``: the block model of the HTML stage (stages/html/blocks.py), on records with raw HTML.
GRID_BLOCK_INSIDE = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
GRID_BLOCK_OUTSIDE = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)


@dataclass
class BlockPage:
    """One HTML page as the block model sees it: its blocks' texts, which it judges, their rows and labels."""

    texts: list[str]
    judged: list[int]  # indexes of the blocks some candidate holds: the ones the model decides
    recall: list[bool]  # whether the recall candidate holds each block (the decision's inside)
    rows: list[list[float]]  # of the judged blocks
    labels: list[int]  # of the judged blocks
    gold: str
    site: str
    group: str  # the record's page type, or the file's name: figures are reported per group

    @property
    def lines(self) -> list[str]:  # what Scorer reads
        return self.texts


def load_block_pages(paths: Sequence[Path], ruleset: RuleSet, options: TrainOptions,
                     log=lambda message: None) -> list[BlockPage]:
    """Every record with HTML and gold text as a training page of blocks, labelled by the gold text."""
    from ..stages.html.blocks import fold_tokens, held_by
    from ..stages.pipeline import html_blocks

    pages = []
    for path in paths:
        for record in read_records(path):
            gold, html, url = record.get(options.gold_field), record.get(options.html_field), record.get(options.url_field)
            if not isinstance(gold, str) or not gold.strip() or not isinstance(html, str):
                continue
            found = html_blocks(Source(text="", html=html, url=url if isinstance(url, str) else None), ruleset)
            if found is None or not found.blocks:
                continue
            texts = [block.text for block in found.blocks]
            labels = held_by([fold_tokens(text) for text in texts], gold)
            group = f"{path.name.split('.')[0]}:{record.get('page_type', 'article')}"
            pages.append(BlockPage(texts, found.judged, found.held["recall"], found.rows,
                                   [int(labels[i]) for i in found.judged], gold, site_of(url), group))
            if len(pages) % 200 == 0:
                log(f"{len(pages)} pages read")
    return pages


def fold_models(pages: Sequence[BlockPage], options: TrainOptions, inside: float = 0.5,
                outside: float = 0.5) -> list[tuple[list[int], Any]]:
    """For each fold by site, its pages' indexes and a block model fitted on the other folds' pages.

    What the out-of-fold scores come from, and what bench/quality.py runs the
    whole pipeline with, so that its figures are of pages no model saw.
    """
    from ..rulebook.blockmodel import BlockModel

    found = []
    for fold in folds_by_site(pages, options.folds):
        held = set(fold)
        train_ = [pages[i] for i in range(len(pages)) if i not in held]
        if not train_:
            raise TrainError("cross-validation needs pages of at least two sites")
        means, scales, weights, bias = _fit_blocks(train_, options)
        found.append((fold, BlockModel("blocks", "cv", tuple(means), tuple(scales), tuple(weights), bias,
                                       inside, outside)))
    return found


def _block_scores(pages: Sequence[BlockPage], options: TrainOptions) -> list[list[float]]:
    """Each page's judged-block scores from a model fitted without its site (folds by site)."""
    found: list[list[float]] = [[] for _ in pages]
    for fold, model in fold_models(pages, options):
        for i in fold:
            found[i] = [model.score(row) for row in pages[i].rows]
    return found


def _fit_blocks(pages: Sequence[BlockPage], options: TrainOptions) -> tuple[list, list, list, float]:
    """The logistic regression on the pages' judged blocks, each page weighing the same in all.

    Unweighted, a forum thread or a listing of 500 blocks outweighs a dozen
    news articles, and the model learns their layouts at the articles' cost.
    """
    return fit([r for page in pages for r in page.rows], [y for page in pages for y in page.labels], options,
               [1.0 / len(page.rows) for page in pages for _ in page.rows])


def _block_kept(pages: Sequence[BlockPage], scores: Sequence[list[float]], inside: float,
                outside: float) -> list[list[bool]]:
    """What the judge keeps of each page's blocks at these thresholds (as stages.html.blocks.judged_text)."""
    kept = []
    for page, page_scores in zip(pages, scores):
        keep = [False] * len(page.texts)
        for index, score in zip(page.judged, page_scores):
            keep[index] = score >= (inside if page.recall[index] else outside)
        kept.append(keep)
    return kept


def _block_figures(pages: Sequence[BlockPage], kept: Sequence[list[bool]],
                   floor: Sequence[list[bool]]) -> dict[str, dict[str, dict[str, float]]]:
    """Figures per group of pages: the model's and the floor's (the recall candidate's blocks alone)."""
    result = {}
    for group in sorted({page.group for page in pages}):
        chosen = [i for i, page in enumerate(pages) if page.group == group]
        scorer = Scorer([pages[i] for i in chosen])
        result[group] = {"model": scorer.figures([kept[i] for i in chosen]),
                         "recall candidate": scorer.figures([floor[i] for i in chosen])}
    return result


def train_blocks(paths: Sequence[Path], ruleset: RuleSet, options: TrainOptions, command: str,
                 log=lambda message: None):
    """Fit, cross-validate and describe the block model (see stages/html/blocks.py).

    Labels: a judged block is content when the gold text holds it (the same
    3-token-run alignment as the candidates'). Out-of-fold scores (no site in
    two folds) choose the two thresholds: the best F1 over all pages whose
    lost stays within ``max_lost`` of keeping the recall candidate's blocks.
    """
    from ..rulebook.blockmodel import BlockModel

    try:
        import sklearn  # noqa: F401  (fail before the slow part)
    except ImportError:
        raise TrainError(f"cleaner train needs scikit-learn, which is not installed: {INSTALL}") from None
    pages = load_block_pages(paths, ruleset, options, log)
    if len({page.site for page in pages}) < 2:
        raise TrainError("training needs HTML pages with gold text from at least two sites")
    if len({label for page in pages for label in page.labels}) < 2:
        raise TrainError("training needs judged blocks of both kinds: some the gold text holds, some it does not")
    log(f"{len(pages)} pages of {len({p.site for p in pages})} sites, {sum(len(p.rows) for p in pages)} judged blocks")
    oof = _block_scores(pages, options)
    scorer = Scorer(pages)
    floor_kept = _block_kept(pages, oof, 0.0, 2.0)
    floor = scorer.figures(floor_kept)
    best = (0.0, 2.0, floor)
    for inside in GRID_BLOCK_INSIDE:
        for outside in GRID_BLOCK_OUTSIDE:
            result = scorer.figures(_block_kept(pages, oof, inside, outside))
            if result["lost"] <= floor["lost"] + options.max_lost and result["F1"] > best[2]["F1"]:
                best = (inside, outside, result)
    inside, outside, chosen = best
    log(f"inside {inside}, outside {outside}: cross-validated {chosen} (recall candidate alone: {floor})")
    means, scales, weights, bias = _fit_blocks(pages, options)
    training = {
        "command": command,
        "data": [{"file": path.name, "sha256": _digest(path)} for path in paths],
        "pages": len(pages), "sites": len({page.site for page in pages}),
        "blocks": sum(len(page.rows) for page in pages),
        "options": {"gold_field": options.gold_field, "html_field": options.html_field, "folds": options.folds,
                    "seed": options.seed, "C": options.c, "max_lost": options.max_lost},
        "labels": "a block is content when most of its tokens sit in 3-token runs of the gold text",
        "weights": "each page weighs the same: a block weighs 1 / the page's judged blocks",
        "cross_validated": {"how": f"{options.folds} folds by site; the thresholds chosen on these out-of-fold "
                                   "scores; figures of the judged blocks (before the text stage)",
                            "all": {"model": chosen, "recall candidate": floor},
                            **_block_figures(pages, _block_kept(pages, oof, inside, outside), floor_kept)},
    }
    return BlockModel(name="blocks", version=options.version, mean=tuple(means), scale=tuple(scales),
                      weights=tuple(weights), bias=bias, inside=inside, outside=outside, training=training)
