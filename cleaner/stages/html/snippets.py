"""html tests: the snippets inside rule files, each run through the file's selectors alone."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ...rulebook.examples import Failure
from .dom import _text, parse, remove_elements

if TYPE_CHECKING:  # pragma: no cover
    from ...rulebook.rulefile import RuleFile

def _snippet_text(snippet: str, rule_file: RuleFile | None) -> tuple[str, list[str]]:
    """Text of ``snippet`` after ``rule_file``'s selectors ran on it (none when None), and their warnings."""
    tree = parse(f"<html><body>{snippet}</body></html>")
    if tree is None:
        return "", []
    warnings = remove_elements(tree, [rule_file], guard=False)[1] if rule_file else []
    return _text(tree), warnings


def test_html(rule_file: RuleFile) -> list[Failure]:
    """Run a rule file's ``html.tests``: a ``remove`` snippet loses all its text, a ``keep`` one none.

    The size guard is off here: a selector broad enough to hit an article
    wrapper must fail its keep test rather than be saved by the guard.
    """
    tests = (rule_file.html or {}).get("tests") or {}
    failures: list[Failure] = []
    for expected in ("remove", "keep"):
        for snippet in tests.get(expected, []):
            before, _ = _snippet_text(snippet, None)
            after, warnings = _snippet_text(snippet, rule_file)
            ok = (before and not after) if expected == "remove" else after == before
            if warnings or not ok:
                failures.append(Failure(rule_file.path, expected, snippet, kind="html"))
    return failures


def count_html_tests(rule_file: RuleFile) -> int:
    """How many html snippets a rule file carries."""
    tests = (rule_file.html or {}).get("tests") or {}
    return sum(len(v) for v in tests.values())
