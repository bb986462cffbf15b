"""Golden tests: the five bundled seeds against their human-checked references."""
from __future__ import annotations

import pytest

from cleaner.stages.reading import source_from_text
from cleaner.stages.pipeline import clean_source
from cleaner.stages.render import render
from conftest import SEED_STEMS, expected, norm, paragraphs, raw

# Residue lines of the kinds the generic packs alone must remove (from fixtures/seeds/expected/*.residue.txt).
GENERIC_RESIDUE = {
    "share": ["Share this:", "Like this:", "%d bloggers like this:", "Share :"],
    "ad": ["- Advertisement -spot_img", "- Advertisement -", "Advertising"],
    "comments": ["Leave a Reply", "Your email address will not be published. Required fields are marked *",
                 "Please enter your comment!", "Please enter your name here"],
    "not_found": ["Page not found", "The content you requested does not exist or is not available anymore."],
    "paywall": ["Sign up now for FREE unlimited access to"],
}


def clean(stem, rules):
    return clean_source(source_from_text(raw(stem), path=f"raw/{stem}.txt"), rules)


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_body_is_exactly_the_reference(stem, ruleset):
    body, _, _ = expected(stem)
    assert paragraphs(clean(stem, ruleset).body) == paragraphs(body)


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_header_carries_the_reference_fields(stem, ruleset):
    _, meta, _ = expected(stem)
    got = clean(stem, ruleset).metadata
    for key, want in meta.items():
        if isinstance(want, list):
            assert sorted(map(norm, got[key])) == sorted(map(norm, want)), key
        else:
            assert norm(str(got[key])).casefold() == norm(want).casefold(), key


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_no_residue_line_is_left(stem, ruleset):
    _, _, residue = expected(stem)
    flat = norm(clean(stem, ruleset).body)
    assert [line for line in residue if line in flat] == []


def test_generic_residue_list_is_real():
    """The lines below are copied from the seeds; a typo would make the next test vacuous."""
    all_raw = "\n".join(norm(raw(stem)) for stem in SEED_STEMS)
    for lines in GENERIC_RESIDUE.values():
        for line in lines:
            assert line in all_raw


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_generic_packs_alone_remove_share_ad_comment_notfound_paywall_lines(stem, generic_only):
    body_lines = {norm(line) for line in clean(stem, generic_only).body.splitlines()}
    left = [line for lines in GENERIC_RESIDUE.values() for line in lines if line in body_lines]
    assert left == []


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_cleaning_a_cleaned_file_changes_nothing(stem, ruleset):
    once = render(clean(stem, ruleset), "md")
    twice = render(clean_source(source_from_text(once, path="elsewhere.md"), ruleset), "md")
    assert twice == once


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_cleaning_a_cleaned_body_changes_nothing(stem, ruleset):
    body = clean(stem, ruleset).body
    assert clean_source(source_from_text(body), ruleset).body == body


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_every_removal_names_its_rule(stem, ruleset):
    document = clean(stem, ruleset)
    assert document.removals
    assert all(r.rule and r.kind for r in document.removals)
    assert document.metadata["removed"] == sum(1 for r in document.removals if r.action != "header")
