"""The line model as data: fitted parameters read from a JSON file in a rules folder.

Like a rule file, a model file is data a person can read and replace: feature
names, their means and scales, the weights of a logistic regression, the
thresholds of the decision, and how it was trained (command, data, figures
cross-validated by site). No pickle: loading runs no code. The features
themselves are computed by ``cleaner.stages.linemodel``; a file whose feature
list is not the one this version computes is refused rather than misread.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

MODEL_FORMAT = 2  # 2: one-span smoothing, URL, keyword and list features; a format-1 file is refused
MODEL_FILE = Path("models") / "lines.json"  # inside a rules folder; a later folder's file wins
NEIGHBOURS = (-3, -2, -1, 1, 2, 3)  # the lines around a line whose own features it sees
NEIGHBOUR_COLUMNS = ("log_words", "ends_sentence", "cap_share", "stop_share", "mean_word_len")
OWN = ("log_words", "log_chars", "ends_sentence", "ends_colon", "ends_other_punct", "cap_share", "upper_share",
       "digit_share", "symbol_share", "stop_share", "mean_word_len", "has_url", "has_separator", "starts_bullet",
       "has_copyright")
PLACE = ("rel_pos", "log_words_before", "log_words_after", "len_vs_median", "repeats", "comma_share",
         "log_dist_dense", "in_prose_segment", "short", "one_word", "title_like", "has_date", "has_at", "has_quote")
RUNS = ("log_run_words", "run_share", "log_run_rank", "in_longest_run", "log_run_lines", "log_dist_longest_run",
        "before_longest_run", "after_longest_run", "longest_run_share")
ANCHOR = ("url_overlap", "is_anchor", "after_anchor", "log_dist_anchor", "before_anchor", "has_url_words")
KEYWORDS = ("kind_hint", "label", "log_lines_since_label", "labels_before", "labels_after", "log_labels_above",
            "labels_above_share")
LISTS = ("log_lines_since_prose", "log_lines_to_prose", "log_prose_gap", "between_prose", "log_prose_words_before",
         "log_prose_words_after", "log_prose_words_around")
# The names of the columns stages.linemodel.features() computes, in order: the contract with a model file.
FEATURES = (*OWN, *PLACE,
            *(f"{name}@{offset:+d}" for offset in NEIGHBOURS for name in (*NEIGHBOUR_COLUMNS, "present")),
            *RUNS, *ANCHOR, *KEYWORDS, *LISTS)
# The end model's columns (stages.linemodel.end_features()): where a line sits in the page's prose and in the
# line model's scores; then FEATURES.
SCORE_WINDOWS = ((1, 11, "next10"), (-10, 0, "prev10"), (1, 31, "next30"), (-30, 0, "prev30"))  # [start, stop)
PROSE_WINDOWS = ((1, 11, "next10"), (-10, 0, "prev10"), (1, 41, "next40"), (-40, 0, "prev40"))
END = ("rel_pos", "prose_before_share", "content_before_share", "words_before_share", "score", "logit",
       *(f"score_{name}" for _, _, name in SCORE_WINDOWS), *(f"prose_{name}" for _, _, name in PROSE_WINDOWS))
END_FEATURES = (*END, *FEATURES)


DECISION_KEYS = ("lean", "switch", "inside", "min_lines", "min_short_share")


class ModelError(ValueError):
    """A model file that cannot be used; str() is ``path: reason``."""


@dataclass(frozen=True)
class Decision:
    """How content scores become removals (see ``cleaner.stages.linemodel``)."""

    lean: float  # added to each line's content logit before smoothing: positive keeps more
    switch: float  # what smoothing pays to change from content to boilerplate or back
    inside: float  # inside the span smoothing keeps, a line still goes below this score
    min_lines: int  # pages with fewer kept lines are left alone: too little context to judge
    min_short_share: float = 0.0  # pages with a smaller share of short lines are left alone: article text already
    end_lean: float | None = None  # with an end model: added to each line's log-odds of coming before the end
    island_gap: int | None = None  # runs smoothing keeps with more lines than this between are separate islands
    island_share: float = 0.0  # an island with less than this share of the largest one's content is no article
    head_inside: float | None = None  # above the article's first paragraph, a short line goes below this score


@dataclass(frozen=True)
class EndModel:
    """Where the article ends: a logistic regression giving each line's probability of coming after it."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]  # on standardised END_FEATURES
    bias: float

    def to_json(self) -> dict[str, Any]:
        return {"learner": "logistic regression", "features": list(END_FEATURES), "mean": list(self.mean),
                "scale": list(self.scale), "weights": list(self.weights), "bias": self.bias}


class NamedModel:
    """What a fitted model's removals and the header call it: ``model/NAME`` and ``NAME@VERSION``."""

    name: str
    version: str

    @property
    def id(self) -> str:
        """The rule id its removals carry."""
        return f"model/{self.name}"

    @property
    def stamp(self) -> str:
        """What the header records when the model has judged a text: ``lines@3``."""
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class LineModel(NamedModel):
    """A fitted line model: plain parameters, as its JSON file holds them."""

    name: str
    version: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]  # on standardised features: (x - mean) / scale
    bias: float
    decision: Decision
    languages: tuple[str, ...] = ("English",)  # jusText stoplists the page's language is chosen from
    end: EndModel | None = None  # None: the article runs to the last line smoothing keeps
    training: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    path: str | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        decision = {key: getattr(self.decision, key) for key in DECISION_KEYS}
        if self.decision.end_lean is not None:
            decision["end_lean"] = self.decision.end_lean
        if self.decision.island_gap is not None:
            decision.update(island_gap=self.decision.island_gap, island_share=self.decision.island_share)
        if self.decision.head_inside is not None:
            decision["head_inside"] = self.decision.head_inside
        return {"format": MODEL_FORMAT, "name": self.name, "version": self.version,
                "learner": "logistic regression", "languages": list(self.languages), "decision": decision,
                "training": self.training, "features": list(self.features), "mean": list(self.mean),
                "scale": list(self.scale), "weights": list(self.weights), "bias": self.bias,
                **({"end": self.end.to_json()} if self.end else {})}


def read_model_file(path: str | Path) -> Any:
    """A model file's JSON; ModelError with the path and the reason when it cannot be read."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelError(f"{path}: {error}") from None


@contextmanager
def model_errors(path: str) -> Iterator[None]:
    """A missing key or a value of the wrong type in a model file becomes a ModelError naming the file."""
    try:
        yield
    except ModelError:
        raise
    except (KeyError, TypeError, ValueError) as error:
        raise ModelError(f"{path}: {type(error).__name__}: {error}") from None


def fitted_vectors(data: dict[str, Any], features: tuple[str, ...], path: str, retrain: str
                   ) -> list[tuple[float, ...]]:
    """Mean, scale and weights of a linear model file, checked against the features this cleaner computes."""
    if tuple(data["features"]) != features:
        raise ModelError(f"{path}: its features are not the ones this cleaner computes; retrain it with `{retrain}`")
    vectors = [tuple(float(v) for v in data[key]) for key in ("mean", "scale", "weights")]
    if any(len(vector) != len(features) for vector in vectors) or 0.0 in vectors[1]:
        raise ModelError(f"{path}: mean, scale and weights must each hold one number per feature, scales non-zero")
    return vectors


def model_from_json(data: Any, path: str) -> LineModel:
    """A LineModel from its JSON form; ModelError naming what is wrong."""
    if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
        raise ModelError(f"{path}: not a line model of format {MODEL_FORMAT}")
    with model_errors(path):
        vectors = fitted_vectors(data, FEATURES, path, "cleaner train")
        settings = data["decision"]
        end_lean, island_gap, head_inside = (settings.get(key) for key in ("end_lean", "island_gap", "head_inside"))
        decision = Decision(**{key: settings[key] for key in DECISION_KEYS},
                            end_lean=None if end_lean is None else float(end_lean),
                            island_gap=None if island_gap is None else int(island_gap),
                            island_share=float(settings.get("island_share", 0.0)),
                            head_inside=None if head_inside is None else float(head_inside))
        end = data.get("end")
        if end is not None:
            end = EndModel(*fitted_vectors(end, END_FEATURES, f"{path} (end)", "cleaner train"), float(end["bias"]))
        return LineModel(name=str(data["name"]), version=str(data["version"]), features=FEATURES,
                         mean=vectors[0], scale=vectors[1], weights=vectors[2], bias=float(data["bias"]),
                         decision=decision, languages=tuple(data.get("languages") or ("English",)), end=end,
                         training=dict(data.get("training") or {}), path=path)


def load_model(path: str | Path) -> LineModel:
    """Read a model file; ModelError with the path and the reason when it cannot be used."""
    return model_from_json(read_model_file(path), str(path))
