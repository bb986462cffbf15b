"""The ``keep`` action: a rule that protects lines, with ``protect`` examples instead of ``remove``."""
from __future__ import annotations

import pytest

from cleaner.rulebook.examples import test_rule as run_examples
from cleaner.rulebook.rulefile import RuleError, load_rule_file

KEEP_RULE = """description: Lines of ours the model must not take.
rules:
  - id: masthead
    kind: content
    action: keep
    match: 'Portmere Gazette'
    case: insensitive
    tests:
      {tests}
"""


def _load(tmp_path, tests: str):
    path = tmp_path / "keep.yaml"
    path.write_text(KEEP_RULE.format(tests=tests), encoding="utf-8")
    return load_rule_file(path, "generic/keep")


def test_protect_examples_must_match_and_keep_examples_must_not(tmp_path):
    rule = _load(tmp_path, "protect: ['Portmere Gazette', 'Portmere Times']\n      keep: ['About us']").rules[0]
    assert [(f.expected, f.example) for f in run_examples(rule)] == [("protect", "Portmere Times")]


def test_a_keep_rule_takes_protect_examples_not_remove_ones(tmp_path):
    with pytest.raises(RuleError, match="'protect' is a required property"):
        _load(tmp_path, "remove: ['Portmere Gazette']\n      keep: ['About us']")
