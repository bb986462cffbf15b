"""``cleaner rules test``: run every rule file's examples, text rules' and HTML selectors' alike."""
from __future__ import annotations

from typing import Iterable

from ..rulebook.examples import Failure, test_rule
from ..rulebook.rulefile import RuleFile
from ..stages.html import count_html_tests, test_html


def test_files(files: Iterable[RuleFile]) -> tuple[int, list[Failure]]:
    """(number of examples run, failures) over every rule of ``files``, and their ``html.tests`` snippets."""
    count, failures = 0, []
    for rule_file in files:
        for rule in rule_file.rules:
            count += sum(len(v) for v in rule.tests.values())
            failures.extend(test_rule(rule))
        if (rule_file.html or {}).get("tests"):
            count += count_html_tests(rule_file)
            failures.extend(test_html(rule_file))
    return count, failures
