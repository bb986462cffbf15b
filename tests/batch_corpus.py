"""A folder of distinct articles built from the seeds, for batch tests that need hundreds of files.

Each file is a seed with seeded mutations (paragraphs dropped or swapped,
residue lines added, spaces varied, a numbered sentence), so no two inputs,
and no two outputs, are the same. A few odd files ride along: gzip, JSONL,
an empty file and a binary one, so reports carry every kind of row.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import random
from pathlib import Path

from conftest import SEEDS, SEED_STEMS

RESIDUE = ["Share this:", "Advertisement", "Read more", "Sign up for our newsletter", "Related Articles",
           "Leave a comment"]


def mutate(text: str, rng: random.Random, number: int) -> str:
    """A distinct variant of ``text``: the same kind of article, different bytes."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if len(paragraphs) > 6 and rng.random() < 0.5:
        del paragraphs[rng.randrange(2, len(paragraphs) - 1)]
    if len(paragraphs) > 6 and rng.random() < 0.3:
        i = rng.randrange(2, len(paragraphs) - 2)
        paragraphs[i], paragraphs[i + 1] = paragraphs[i + 1], paragraphs[i]
    for _ in range(rng.randrange(3)):
        paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), rng.choice(RESIDUE))
    paragraphs.insert(2, f"Officials counted {number} cases in the district on the day the report was published.")
    joined = "\n\n".join(paragraphs)
    return joined.replace(" the ", "  the ", 1) if rng.random() < 0.3 else joined + "\n"


def build(folder: Path, files: int = 200, seed: int = 6) -> list[Path]:
    """``files`` inputs under ``folder`` (in subfolders of 50), the last four of them odd ones."""
    rng = random.Random(seed)
    raw = [(SEEDS / "raw" / f"{stem}.txt").read_text(encoding="utf-8") for stem in SEED_STEMS]
    written = []
    for number in range(files - 4):
        path = folder / f"part{number // 50:02d}" / f"{number:04d}-{SEED_STEMS[number % 5]}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(mutate(raw[number % 5], rng, number), encoding="utf-8")
        written.append(path)
    odd = folder / "odd"
    odd.mkdir(parents=True, exist_ok=True)
    (odd / "packed.txt.gz").write_bytes(gzip.compress(mutate(raw[0], rng, 9001).encode(), mtime=0))
    records = [{"id": f"r{i}", "url": f"https://example.com/{i}", "text": mutate(raw[i % 5], rng, 9100 + i)}
               for i in range(3)]
    (odd / "crawl.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (odd / "empty.txt").write_text("", encoding="utf-8")
    (odd / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    return written + sorted(p for p in odd.iterdir())


def tree_digest(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under ``folder`` (hidden ones included)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def outputs(folder: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every output under ``folder``, resume state left out."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".cleaner-state" not in p.parts}
