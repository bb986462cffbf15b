"""Fuzz of the Python API with any ``str`` Python can hold, lone surrogates included (issue 16, point 3).

``clean_text`` must never raise, cleaning its md output again must give the
same output, and no word of the body may be missing from the input (lone
surrogates become U+FFFD, which is no word character). Derandomized so CI is
repeatable; the alphabet leans on what broke before: surrogates, joiners,
odd spaces and residue lines the rules act on.
"""
from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings, strategies as st

from cleaner import clean_text
from cleaner.rulebook.textform import normalise
from cleaner.stages.render import render

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
WORD = re.compile(r"\w+")
SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
PIECES = ["\ud800", "\udfff", "\udce9", "\ud83d\ude00", "\u200d", "\u200c", "\u00ad", "\ufe0f", "\u200b", " ", "\n",
          "\n\n", "\r\n", "Share this:", "Read more", "Related Articles", "---", "title: x", "می", "👨", "a", "."]

any_str = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=400),  # every code point, surrogates too
    st.text(st.one_of(SURROGATES, st.characters(codec="utf-8")), max_size=300),
    st.lists(st.sampled_from(PIECES), max_size=80).map("".join),
)


@FUZZ
@given(any_str)
def test_clean_text_takes_any_str(text):
    document = clean_text(text)  # never raises
    md = render(document, "md")
    md.encode("utf-8")  # what a writer needs: no surrogate left anywhere in the output
    assert render(clean_text(md), "md") == md, "cleaning the md output again changed it"
    source_words = set(WORD.findall(normalise(re.sub("[\ud800-\udfff]", "\ufffd", text))))
    invented = set(WORD.findall(document.body)) - source_words
    assert not invented, f"words not in the input: {sorted(invented)[:10]}"
