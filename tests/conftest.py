"""Shared fixtures: the bundled seeds and the shipped rule set (loaded once per session)."""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from cleaner.rulebook.ruleset import load_ruleset

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
SEED_STEMS = sorted(p.stem for p in (SEEDS / "raw").glob("*.txt"))


def norm(text: str) -> str:
    """The comparison the seed scorer uses: NFC, no NBSP, single spaces."""
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


def paragraphs(text: str) -> list[str]:
    return [norm(p) for p in re.split(r"\n\s*\n", text) if norm(p)]


def expected(stem: str) -> tuple[str, dict, list[str]]:
    """(reference body, required header fields, residue lines) of one seed."""
    folder = SEEDS / "expected"
    body = (folder / f"{stem}.body.txt").read_text(encoding="utf-8")
    meta = json.loads((folder / f"{stem}.meta.json").read_text(encoding="utf-8"))
    residue = [norm(l) for l in (folder / f"{stem}.residue.txt").read_text(encoding="utf-8").splitlines() if norm(l)]
    return body, meta, residue


def raw(stem: str) -> str:
    return (SEEDS / "raw" / f"{stem}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def ruleset():
    return load_ruleset()


@pytest.fixture(scope="session")
def generic_only():
    return load_ruleset(site_rules=False)
