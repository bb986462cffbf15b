"""The block model as data: the HTML judge's fitted parameters, read from ``models/blocks.json``.

Like the line model (rulebook.linemodel), a plain JSON file a person can read
and replace: feature names, means and scales, the weights of a logistic
regression, the two thresholds of the decision, and how it was trained
(command, data, figures cross-validated by site). No pickle, no training
library at run time: a score is one dot product. The features are computed
by ``cleaner.stages.html.blocks``; their names and vocabularies live here so
that a file whose features are not this version's is refused, not misread.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from .linemodel import ModelError, NamedModel, fitted_vectors, model_errors, read_model_file

BLOCK_MODEL_FORMAT = 1
BLOCK_MODEL_FILE = Path("models") / "blocks.json"  # inside a rules folder; a later folder's file wins
# class/id token families: a block's ancestors holding one of these words as a token part (``post-comments``)
FAMILIES = {
    "comment": ("comment", "comments", "disqus", "reply", "replies", "respond", "discussion"),
    "share": ("share", "social", "sharing", "facebook", "twitter", "whatsapp", "pinterest"),
    "related": ("related", "recommend", "more", "popular", "trending", "teaser", "promo", "outbrain", "taboola"),
    "footer": ("footer", "foot", "copyright", "legal", "bottom"),
    "nav": ("nav", "menu", "breadcrumb", "breadcrumbs", "pagination", "pager", "skip", "toc"),
    "header": ("header", "masthead", "topbar", "banner"),
    "side": ("sidebar", "aside", "widget", "rail", "column"),
    "ad": ("ad", "ads", "advert", "advertisement", "sponsor", "sponsored", "dfp", "gpt"),
    "byline": ("author", "byline", "bio", "profile", "avatar", "meta", "date", "time", "posted"),
    "caption": ("caption", "credit", "figure", "photo", "image", "gallery", "media"),
    "subscribe": ("newsletter", "subscribe", "signup", "cookie", "consent", "modal", "popup", "login", "paywall"),
    "tag": ("tag", "tags", "category", "categories", "topic", "topics", "label"),
    "content": ("content", "article", "post", "entry", "body", "main", "text", "story", "prose", "rich"),
    "product": ("product", "spec", "specs", "description", "detail", "details", "price", "review"),
    "hidden": ("hidden", "hide", "sr", "visually", "offscreen"),
}
OWN_FAMILIES = ("comment", "share", "related", "content")  # also tested on the block's own element and parent
TAG_GROUPS = ("p", "heading", "li", "row", "pre", "blockquote", "dd", "caption", "div", "other")
CONTEXT_TAGS = ("article", "main", "aside", "nav", "footer", "header", "form", "blockquote", "figure", "table",
                "ul", "ol")
# The candidate extractions: trafilatura (its cascade on; named "recall" in the features), its comments,
# readability-lxml.
CANDIDATES = ("recall", "comments", "readability")
# The columns of stages.html.blocks.block_features(), in order: the contract with a model file.
BLOCK_FEATURES = (
    "log_chars", "log_words", "link_share", "ends_sentence", "stop_share", "upper_start", "digit_share",
    "heading_level", "log_depth", "rel_pos", "rel_candidate_pos",
    *(f"tag_{t}" for t in TAG_GROUPS), *(f"in_{t}" for t in CONTEXT_TAGS),
    *(f"cls_{f}" for f in FAMILIES), *(f"own_cls_{f}" for f in OWN_FAMILIES),
    *(f"cand_{c}" for c in CANDIDATES), "cand_count",
    "prev_recall", "prev_readability", "next_recall", "next_readability",
    "parent_candidate_share", "log_parent_blocks", "page_recall_share", "page_readability_share",
    "page_agreement", "log_page_blocks", "in_recall_span", "log_dist_recall", "log_recall_run",
    "log_repeats", "log_dist_agreed", "in_agreed_span",
)


@dataclass(frozen=True)
class BlockModel(NamedModel):
    """A fitted block model: a logistic regression and its two thresholds.

    ``inside``: a block the recall candidate holds stays at this score or
    above; ``outside``: a block only the other candidates hold needs this.
    """

    name: str
    version: str
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]  # on standardised features: (x - mean) / scale
    bias: float
    inside: float
    outside: float
    training: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    path: str | None = field(default=None, compare=False)

    def score(self, row: Sequence[float]) -> float:
        """The content probability of one block's feature row."""
        value = self.bias + sum(w * (x - m) / s for w, x, m, s in zip(self.weights, row, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-value)) if value > -500 else 0.0

    def keeps(self, score: float, recall_holds: bool) -> bool:
        return score >= (self.inside if recall_holds else self.outside)

    def to_json(self) -> dict[str, Any]:
        return {"format": BLOCK_MODEL_FORMAT, "name": self.name, "version": self.version,
                "learner": "logistic regression", "decision": {"inside": self.inside, "outside": self.outside},
                "training": self.training, "features": list(BLOCK_FEATURES), "mean": list(self.mean),
                "scale": list(self.scale), "weights": list(self.weights), "bias": self.bias}


def block_model_from_json(data: Any, path: str) -> BlockModel:
    """A BlockModel from its JSON form; ModelError naming what is wrong."""
    if not isinstance(data, dict) or data.get("format") != BLOCK_MODEL_FORMAT:
        raise ModelError(f"{path}: not a block model of format {BLOCK_MODEL_FORMAT}")
    with model_errors(path):
        vectors = fitted_vectors(data, BLOCK_FEATURES, path, "cleaner train --html")
        return BlockModel(name=str(data["name"]), version=str(data["version"]), mean=vectors[0], scale=vectors[1],
                          weights=vectors[2], bias=float(data["bias"]), inside=float(data["decision"]["inside"]),
                          outside=float(data["decision"]["outside"]), training=dict(data.get("training") or {}),
                          path=path)


def load_block_model(path: str | Path) -> BlockModel:
    """Read a block model file; ModelError with the path and the reason when it cannot be used."""
    return block_model_from_json(read_model_file(path), str(path))
