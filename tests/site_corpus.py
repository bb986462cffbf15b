"""Pages of invented sites, built from the seeds' article sentences inside per-site templates.

Each site has a template of its own (masthead, menu, share row, footer
links: short lines on every page) and one prose line it prints on every page
(a cookie notice). Each page is a headline and paragraphs of seed sentences
drawn for it, so no two stories share their paragraphs, plus what must never
go although the site repeats it across stories: a standard disclaimer
sentence closing most articles and a short heading inside most of them.
Used by tests/batch/test_sitememory.py (a few pages) and bench/sitememory.py
(the same pages by the hundred, and 100,000 for the count pass).
"""
from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Iterator

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"
MENU = ["Home", "News", "World", "Business", "Sport", "Culture", "Science", "Travel", "Opinion", "Video",
        "Podcasts", "Weather", "Local", "Health", "Money", "Tech", "Style", "Food"]
FOOTER = ["About us", "Contact", "Careers", "Advertise with us", "Terms of use", "Privacy policy",
          "Accessibility", "Newsletters", "Site map", "Corrections"]
SHARE = ["Share on Facebook", "Share on X", "Share by email", "Copy link", "Print this page"]
DISCLAIMER = "This report is for information only and does not constitute advice of any kind from the {name} desk."
HEADING = "Background"


def seed_sentences() -> list[str]:
    """Every sentence of the seeds' reference bodies."""
    text = " ".join((path.read_text(encoding="utf-8")) for path in sorted((SEEDS / "expected").glob("*.body.txt")))
    return [s for s in re.split(r"(?<=[.!?\"])\s+(?=[A-Z\"])", " ".join(text.split())) if len(s.split()) >= 6]


def site_template(rng: random.Random, name: str) -> tuple[list[str], list[str]]:
    """(lines before the article, lines after it) of one site."""
    head = [f"{name.title()} Daily", *rng.sample(MENU, rng.randint(5, 9)), f"Subscribe to {name.title()} Daily"]
    tail = [*rng.sample(SHARE, 3), f"Follow {name.title()} Daily", *rng.sample(FOOTER, rng.randint(4, 7)),
            f"We use cookies on {name}.example to improve your experience, and you may change your settings at any time.",
            f"© 2025 {name.title()} Media Group"]
    return head, tail


def article(rng: random.Random, sentences: list[str], name: str, number: int) -> list[str]:
    """Headline and paragraphs of one story: drawn seed sentences, the site's heading and disclaimer on most."""
    paragraphs = [" ".join(rng.sample(sentences, rng.randint(2, 3))) for _ in range(rng.randint(3, 6))]
    paragraphs[0] = f"Story {number} of the {name} desk opens here. " + paragraphs[0]
    if rng.random() < 0.7:
        paragraphs.insert(rng.randint(1, len(paragraphs) - 1), HEADING)
    if rng.random() < 0.7:
        paragraphs.append(DISCLAIMER.format(name=name))
    return paragraphs


def iter_site_pages(sites: int, pages: int, seed: int = 17) -> Iterator[dict]:
    """``pages`` records per site, site after site: ``id``, ``url``, ``text`` (the whole page), ``gold`` (its article)."""
    rng = random.Random(seed)
    sentences = seed_sentences()
    for s in range(sites):
        name = f"site{s:03}"
        head, tail = site_template(rng, name)
        for number in range(pages):
            story = article(rng, sentences, name, number)
            headline = f"{name.title()} story {number}: {' '.join(rng.sample(sentences, 1)[0].split()[:6])}"
            lines = [*head, headline, *story, *tail]
            yield {"id": f"{name}-{number}", "url": f"https://www.{name}.example/news/{number}",
                   "text": "\n\n".join(lines) + "\n", "gold": "\n\n".join(story)}


def site_pages(sites: int, pages: int, seed: int = 17) -> list[dict]:
    """iter_site_pages as a list."""
    return list(iter_site_pages(sites, pages, seed))
