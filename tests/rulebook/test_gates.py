"""Literal gates (cleaner/gates.py): a line that fails a rule's gate must never match its regex."""
from __future__ import annotations

import regex
import pytest
from hypothesis import given, settings, strategies as st

from cleaner.rulebook.gates import NO_GATE, Screen, gate_for, passes
from cleaner.rulebook.ruleset import load_ruleset
from cleaner.rulebook.textform import _ODD_SPACES, fold

RULES = [rule for rule in load_ruleset().generic_rules] + [
    rule for site in load_ruleset().sites for rule in site.rules]


@pytest.mark.parametrize("pattern, ignore_case, whole_line, gate", [
    ("Share this", True, True, (("share this",), ())),
    ("(?:Share|Tweet)(?: this)?", True, True, (("share", "tweet"), ())),
    ("[Rr]eporting by .+", False, True, (("reporting by ",), ())),
    # a needle that holds another adds nothing: "follow us on twitter" holds "on twitter"
    ("(?:Follow us )?on Twitter", True, True, (("follow us ", "on twitter"), (("on twitter",),))),
    (r".{0,40}\(AP Photo\)", False, True, ((), (("(ap photo)",),))),
    (r"(?=.*contributed).{5,200}", True, True, ((), (("contributed",),))),
    (r"\p{Lu}\p{L}+ is a news portal", True, True, ((), ((" is a news portal",),))),
    (r"read more", True, False, ((), (("read more",),))),
    # letters, small alternations and optional words combine: "epa-" but not "epa" (as in "separately")
    (r".{5,99}\b(?:AFP|EPA) ?[-/]", False, True,
     ((), (("afp -", "afp /", "afp-", "afp/", "epa -", "epa /", "epa-", "epa/"),))),
    # two needle sets: the line must hold one of each
    (r"\p{L}+ is an? (?:online )*(?:news|media) site", True, True,
     ((), (("media site", "news site"), (" is a ", " is an ")))),
    # in a normalised line the only space is " ": \s can be read as one, a start test too
    (r"[-\s]*(?:ad|advertisement)", True, True, ((" ", "-", "ad"), (("ad",),))),
])
def test_gate_reads_starts_and_needles(pattern, ignore_case, whole_line, gate):
    assert gate_for(pattern, ignore_case, whole_line) == gate


@pytest.mark.parametrize("pattern", [
    r"(?:share){e<=1}",  # fuzzy matching: the stdlib parser would read "{e<=1}" as text
    r"[[:alpha:]]+ said",  # a POSIX class
    r".*",
    r"\w+",
])
def test_no_gate_where_the_pattern_cannot_be_read_safely(pattern):
    assert gate_for(pattern, True, True) == NO_GATE


def test_turkish_i_folds_as_regex_matches_it():
    rule = regex.compile("pin it", regex.IGNORECASE)
    for line in ("PİN IT", "PIN İT", "pın ıt".upper()):
        assert rule.fullmatch(line)
        assert passes(gate_for("pin it", True, True), fold(line))


def test_odd_spaces_are_every_whitespace_but_space_and_newline():
    expected = {chr(c) for c in range(0x110000) if chr(c).isspace()} - {" ", "\n"}
    assert set(_ODD_SPACES) == expected


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_every_removal_example_passes_its_rules_gate(rule):
    for example in rule.tests.get("remove", []):
        assert passes(rule.gate, fold(example)), f"{rule.id}: gate {rule.gate} shuts out {example!r}"


def _variants(example: str) -> st.SearchStrategy[str]:
    """The example with its case changed letter by letter and text added around it."""
    flips = st.lists(st.booleans(), min_size=len(example), max_size=len(example))
    recased = flips.map(lambda bits: "".join(c.upper() if b else c.lower() for c, b in zip(example, bits)))
    filler = st.text(alphabet="abc XYZ.,:-", max_size=8)
    return st.tuples(filler, recased, filler).map("".join)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_a_line_the_regex_matches_always_passes_the_gate(data):
    rule = data.draw(st.sampled_from([r for r in RULES if r.tests.get("remove")]))
    line = data.draw(_variants(data.draw(st.sampled_from(rule.tests["remove"]))))
    matched = (rule.pattern.search(line) if rule.action == "strip" else rule.pattern.fullmatch(line)) is not None
    if matched:
        assert passes(rule.gate, fold(line)), f"{rule.id} matches {line!r} but its gate {rule.gate} refuses it"


SCREEN = Screen([rule.gate for rule in RULES])


def test_screen_pairs_lines_with_the_gates_they_hold_the_first_strings_of():
    gates = [(("share",), ()), ((), (("cookie", "cookies"),)), (("the end",), (("end",),)), NO_GATE]
    lines = ["share this", "we use cookies", "the end", "shared", "nothing", "you share", "the end is near"]
    assert Screen(gates).lines(lines) == {0: {0}, 1: {1}, 2: {2}, 3: {0}, 6: {2}}
    assert Screen(gates).ungated == [3]


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_line_that_passes_a_gate_is_paired_with_it(data):
    """What Screen leaves out, passes() would refuse: skipping it changes no verdict."""
    examples = [fold(e) for rule in RULES for e in rule.tests.get("remove", []) + rule.tests.get("keep", [])]
    lines = data.draw(st.lists(st.sampled_from(examples) | _variants("share").map(fold), min_size=1, max_size=6))
    pairs = SCREEN.lines(lines)
    for number, line in enumerate(lines):
        for gate_number, rule in enumerate(RULES):
            if rule.gate != NO_GATE and passes(rule.gate, line):
                assert gate_number in pairs.get(number, set()), (rule.id, line)
