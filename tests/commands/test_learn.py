"""cleaner learn: template lines of one site become a draft site file that works unedited."""
from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.commands.cli import main
from cleaner.commands.learn import Page, find_template, line_regex
from cleaner.rulebook.rulefile import load_rule_file
from conftest import SEEDS, SEED_STEMS, expected, norm, paragraphs

DOMAIN = "tidewaterledger.test"
HEADER = ["The Tidewater Ledger", "Home | Harbour | Weather | Opinion | Obituaries"]
SHARE = "Pass it on: Mastodon · Bluesky · Email"
BIO = "Marta Quill writes about harbours, tides and the people who work them for The Tidewater Ledger."
FOOTER = ["Ledger Letter: the week's tide tables in your inbox every Friday",
          "© 2024 Tidewater Ledger Media. All rights reserved."]
TEMPLATE = HEADER + [SHARE, BIO] + FOOTER

NOUNS = ["harbour master", "ferry", "council", "fishing fleet", "lighthouse keeper", "tide gauge", "storm",
         "dock workers", "mayor", "coast guard", "oyster farm", "pier", "shipyard", "ferry company", "museum"]
VERBS = ["inspected", "delayed", "praised", "repaired", "criticised", "funded", "closed", "reopened",
         "measured", "welcomed", "questioned", "photographed"]
EXTRAS = ["on Tuesday morning", "after the spring floods", "for the third time this year", "despite the rain",
          "before the summer season", "near the old customs house", "under a new agreement", "at low tide"]


def sentence(rng: random.Random) -> str:
    """A varied article sentence (over 12 words, so it reads as prose to the cleaner)."""
    subject, obj = rng.sample(NOUNS, 2)
    words = f"The {subject} {rng.choice(VERBS)} the {obj} {rng.choice(EXTRAS)}, {rng.choice(NOUNS)} officials said"
    return words[0].upper() + words[1:] + f" in a statement on day {rng.randint(1, 9999)}."


def page(rng: random.Random, number: int) -> tuple[str, list[str]]:
    """(page text, its article paragraphs): the template around a headline and 4-7 paragraphs."""
    headline = f"{rng.choice(NOUNS).capitalize()} {rng.choice(VERBS)} as town debates plan {number}"
    article = [" ".join(sentence(rng) for _ in range(rng.randint(1, 2))) for _ in range(rng.randint(4, 7))]
    lines = HEADER + [headline] + article + [SHARE, BIO] + FOOTER
    return "\n\n".join(lines) + "\n", article


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, str, list[str]]:
    """30 pages of the invented site in a folder, and a 31st page (text, article paragraphs) kept aside."""
    folder = tmp_path_factory.mktemp("tidewater")
    rng = random.Random(20240118)
    for number in range(30):
        (folder / f"page{number:02}.txt").write_text(page(rng, number)[0], encoding="utf-8")
    text, article = page(rng, 31)
    return folder, text, article


@pytest.fixture(scope="module")
def draft(site, tmp_path_factory) -> Path:
    folder = site[0]
    out = tmp_path_factory.mktemp("rules") / "sites" / f"{DOMAIN}.yaml"
    result = CliRunner().invoke(main, ["learn", str(folder), "--site", DOMAIN, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "100%" in result.output and "30 pages" in result.output
    return out


def _clean(path: Path, *args: str) -> str:
    """The body ``cleaner clean`` prints, run as a user runs it."""
    result = subprocess.run([sys.executable, "-m", "cleaner", "clean", "-q", "-j", "1", "-f", "txt", *args, str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("how", [["--url", f"https://www.{DOMAIN}/news/31"], []], ids=["domain", "fingerprint"])
def test_the_unedited_draft_cleans_a_31st_page(site, draft, tmp_path, how):
    _, text, article = site
    page31 = tmp_path / "page31.txt"
    page31.write_text(text, encoding="utf-8")
    body = _clean(page31, "--rules", str(draft.parent.parent), *how)
    kept = paragraphs(body)
    for line in TEMPLATE:
        assert norm(line) not in kept
    for paragraph in article:
        assert norm(paragraph) in kept


def test_without_the_draft_template_lines_stay(site, tmp_path):
    """The control: the generic packs alone do not remove this site's template, the draft does."""
    _, text, _ = site
    page31 = tmp_path / "page31.txt"
    page31.write_text(text, encoding="utf-8")
    assert norm(BIO) in paragraphs(_clean(page31))


def test_the_draft_is_valid_and_its_tests_pass(draft):
    runner = CliRunner()
    assert runner.invoke(main, ["rules", "validate", str(draft)]).exit_code == 0
    result = runner.invoke(main, ["rules", "test", str(draft)])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output


def test_the_draft_has_fingerprints_kinds_and_anchored_rules(draft):
    rule_file = load_rule_file(draft, f"sites/{DOMAIN}")
    assert rule_file.domains == (DOMAIN,) and rule_file.fingerprints
    kinds = {rule.kind for rule in rule_file.rules}
    assert {"share", "bio"} <= kinds
    for rule in rule_file.rules:
        assert rule.pattern.pattern.startswith("^") and rule.pattern.pattern.endswith("$")
        assert rule.tests["keep"] and rule.tests["remove"]
    assert draft.read_text(encoding="utf-8").startswith("# Draft written by `cleaner learn`")


def test_learn_never_writes_over_a_file_without_force(site, draft):
    before = draft.read_text(encoding="utf-8")
    draft.write_text("# hand-edited\n" + before, encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(main, ["learn", str(site[0]), "--site", DOMAIN, "-o", str(draft)])
    assert refused.exit_code == 2 and "--force" in refused.output
    assert draft.read_text(encoding="utf-8").startswith("# hand-edited")
    forced = runner.invoke(main, ["learn", str(site[0]), "--site", DOMAIN, "-o", str(draft), "--force"])
    assert forced.exit_code == 0
    assert draft.read_text(encoding="utf-8").startswith("# Draft written")


def test_learn_on_the_seeds_proposes_none_of_their_article_sentences(tmp_path):
    out = tmp_path / "seeds.yaml"
    result = CliRunner().invoke(main, ["learn", str(SEEDS / "raw"), "--site", "seeds.test", "-o", str(out),
                                       "--min-pages", "2", "--min-share", "0.2"])
    assert result.exit_code == 0, result.output
    article = {p for stem in SEED_STEMS for p in paragraphs(expected(stem)[0])}
    listed = [line.split("  ", 3)[-1].strip() for line in result.output.splitlines()[1:] if "pages" in line]
    assert not [line for line in listed if norm(line) in article]
    proposed = load_rule_file(out).rules if out.exists() else ()
    for rule in proposed:
        assert not [p for p in article if rule.pattern.fullmatch(p)]


def test_copies_of_one_story_count_once_so_their_quotes_are_not_template(ruleset):
    """A quote shared by syndicated copies repeats on many pages of a folder; it is one story's text."""
    rng = random.Random(7)
    story = [sentence(rng) for _ in range(6)]
    copies = [Page(f"copy{i}", tuple(["Masthead of the site"] + story + [f"Copy note {i}"])) for i in range(12)]
    others = [Page(f"other{i}", tuple(["Masthead of the site"] + [sentence(rng) for _ in range(5)]))
              for i in range(8)]
    found = find_template(copies + others, ruleset, min_share=0.5, min_pages=3)
    assert found.pages == 20 and found.stories == 9
    assert [c.text for c in found.candidates] == ["Masthead of the site"]


def test_a_sentence_on_most_pages_of_few_stories_is_not_proposed(ruleset):
    rng = random.Random(3)
    quote = "The minister said the talks were useful and that both sides would meet again in Geneva."
    pages = [Page(f"p{i}", (quote, *(sentence(rng) for _ in range(4)))) for i in range(6)]
    assert find_template(pages, ruleset, min_pages=3).candidates == ()


def test_line_regex_is_escaped_anchored_and_generalises_digits():
    pattern = line_regex("© 2024 Ledger (Media) [all] rights* reserved.")
    assert pattern.startswith("^") and pattern.endswith("$")
    import regex

    assert regex.fullmatch(pattern, "© 2031 Ledger (Media) [all] rights* reserved.")
    assert not regex.fullmatch(pattern, "© 2031 Ledger Media all rights reserved.")


def test_learn_says_why_it_proposes_nothing(site, tmp_path):
    """Three pages under the default --min-pages 5: the message names the option (issue 15, point 10)."""
    folder = tmp_path / "few"
    folder.mkdir()
    for path in sorted(site[0].iterdir())[:3]:
        (folder / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "draft.yaml"
    result = CliRunner().invoke(main, ["learn", str(folder), "--site", DOMAIN, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "nothing to propose: 3 pages of the site read, fewer than --min-pages 5" in result.output
    assert not out.exists()
