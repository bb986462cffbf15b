"""Lexicons: the shipped files load and pass their inline tests; a --rules folder extends or replaces them."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from cleaner import clean_text
from cleaner.commands.learn import guess_kind
from cleaner.rulebook.lexicons import NAMES, read_lexicon
from cleaner.rulebook.rulefile import RuleError
from cleaner.rulebook.ruleset import load_ruleset, shipped_rules_dir
from cleaner.stages.html.imported import _byline_prefix
from cleaner.stages.linemodel import url_words
from cleaner.stages.metadata import agency_name, find_dateline, people_from_credits
from cleaner.stages.pageheader import detected_lang, is_label
from cleaner.stages.pagetype import type_of_cues, type_of_og, type_of_schema, type_of_url

LEDE = "OSLO, Jan. 18 (NTB) - The Norwegian government said on Thursday it would raise its defence budget."


def _people(text, lexicons):
    authors, editors = people_from_credits([text], lexicons)
    return {"authors": authors, "editors": editors}


CHECKS = {  # lexicon -> what its inline tests' values are: the result of reading the key with it
    "agencies": agency_name,
    "months": lambda text, lexicons: find_dateline(text, lexicons)[0],
    "credit-roles": _people,
    "name-particles": _people,
    "byline": lambda text, lexicons: _byline_prefix(lexicons.byline).sub("", text),
    "author-labels": lambda text, lexicons: "label" if is_label(text, lexicons) else "name",
    "kind-hints": guess_kind,
    "url-words": lambda url, lexicons: " ".join(sorted(url_words(url, lexicons.url_words))),
    "page-types-schema": lambda text, lexicons: type_of_schema(text.split(", "), lexicons) or "other",
    "page-types-og": lambda text, lexicons: type_of_og(text, lexicons) or "other",
    "page-types-url": lambda text, lexicons: type_of_url(text, lexicons) or "other",
    "page-types-cues": lambda text, lexicons: type_of_cues(text, lexicons) or "other",
    "languages": lambda text, lexicons: detected_lang(text, lexicons) or "-",
}


def write_lexicon(folder: Path, name: str, text: str) -> Path:
    (folder / "lexicons").mkdir(parents=True, exist_ok=True)
    path = folder / "lexicons" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", NAMES)
def test_shipped_lexicon_passes_its_inline_tests(name, ruleset):
    data = read_lexicon(shipped_rules_dir() / "lexicons" / f"{name}.yaml", name)
    assert data["description"] and data["tests"]
    for text, expected in data["tests"].items():
        assert CHECKS[name](text, ruleset.lexicons) == expected, text


def test_user_lexicon_extends_the_shipped_one_and_reaches_the_dateline(tmp_path, ruleset):
    write_lexicon(tmp_path, "agencies", "description: Norwegian wire.\nentries:\n  NTB Nyheter: [ntb]\n")
    assert clean_text(LEDE, rules=ruleset).metadata["agency"] == "NTB"  # the raw name: no lexicon entry
    rules = load_ruleset([tmp_path])
    assert clean_text(LEDE, rules=rules).metadata["agency"] == "NTB Nyheter"
    assert agency_name("(Reuters)", rules.lexicons) == "Reuters"  # the shipped entries stay
    assert rules.digest != ruleset.digest  # a resumed batch redoes its files


def test_replace_true_replaces_the_shipped_list(tmp_path):
    write_lexicon(tmp_path, "months", "description: Norwegian months.\nreplace: true\nentries: [Januar]\n")
    lexicons = load_ruleset([tmp_path]).lexicons
    assert lexicons.months == ("Januar",)
    assert find_dateline("OSLO, Januar 18 (NTB) - Talks began.", lexicons)[0] == "OSLO, Januar 18"
    assert find_dateline("OSLO, Jan. 18 (NTB) - Talks began.", lexicons)[0] is None


def test_changed_lexicon_invalidates_the_rules_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEANER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CLEANER_NO_CACHE", raising=False)
    path = write_lexicon(tmp_path / "rules", "byline", "description: Dutch.\nentries: [door]\n")
    assert load_ruleset([tmp_path / "rules"]).lexicons.byline == ("by", "written by", "door")
    path.write_text("description: German.\nentries: [von]\n", encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a different mtime even on a coarse clock
    assert load_ruleset([tmp_path / "rules"]).lexicons.byline == ("by", "written by", "von")


@pytest.mark.parametrize("name, text, line, reason", [
    ("agencies", "description: x\nentries:\n  NTB: [ntb]\nentrys: {}\n", 4, "unknown key 'entrys'"),
    ("months", "description: x\nentries: [Jan, [Feb]]\n", 2, "is not of type 'string'"),
    ("months", "description: x\nentries: [Jan\n", 3, "invalid YAML"),
    ("kind-hints", "- share\n", 1, "a lexicon file is a mapping"),
])
def test_broken_lexicon_is_one_line_error_with_file_and_line(tmp_path, name, text, line, reason):
    path = write_lexicon(tmp_path, name, text)
    with pytest.raises(RuleError) as caught:
        load_ruleset([tmp_path])
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert reason in message and "\n" not in message


def test_unknown_lexicon_name_is_an_error(tmp_path):
    path = write_lexicon(tmp_path, "weekdays", "description: x\nentries: [Mon]\n")
    with pytest.raises(RuleError, match="unknown lexicon 'weekdays'") as caught:
        load_ruleset([tmp_path])
    assert str(caught.value).startswith(f"{path}: ")
