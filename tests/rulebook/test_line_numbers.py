"""textform.line_numbers: every normalised line points at the input line it came from (issue 15.7)."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from cleaner.rulebook.textform import line_numbers, normalise

PIECES = st.sampled_from(["", " ", "\u00a0", "\u200b", "\u200c", "\u00ad", "\ufe0f", "\u2000", "\ufeff", "e\u0301",
                          "word", "Share this:", "\t", "\r", "\r\n", "\n", "\n\n\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join), st.integers(min_value=1, max_value=50))
def test_each_normalised_line_comes_from_its_numbered_input_line(text, first):
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    numbers = line_numbers(text, first)
    lines = normalise(text).split("\n") if normalise(text) else []
    assert len(numbers) >= len(lines)
    for line, number in zip(lines, numbers):
        assert normalise(raw[number - first]) == line


def test_blank_runs_and_leading_blanks_keep_the_files_numbers():
    assert line_numbers("\n\nA\n\n\n\nB\n", 4)[:3] == [6, 7, 10]
