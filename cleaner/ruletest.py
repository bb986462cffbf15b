"""Run the examples every rule file carries (``tests: remove/keep``), like semgrep's ruleid/ok.

A rule passes when each ``remove`` line is removed or changed by that rule
and each ``keep`` line is left exactly as it is.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from .rulefile import Rule, RuleFile

if TYPE_CHECKING:  # pragma: no cover
    from .html import HtmlFailure


@dataclass(frozen=True)
class Failure:
    rule: Rule
    expected: str  # "remove" or "keep"
    line: str

    def __str__(self) -> str:
        verb = "did not remove" if self.expected == "remove" else "removed or changed"
        return f"{self.rule.file}:{self.rule.line}: {self.rule.id} {verb}: {self.line!r}"


def test_rule(rule: Rule) -> list[Failure]:
    failures = []
    for line in rule.tests.get("remove", []):
        if rule.apply(line) is None:
            failures.append(Failure(rule, "remove", line))
    for line in rule.tests.get("keep", []):
        if rule.apply(line) is not None:
            failures.append(Failure(rule, "keep", line))
    return failures


def test_files(files: Iterable[RuleFile]) -> tuple[int, list[Failure | HtmlFailure]]:
    """(number of examples run, failures) over every rule of ``files``, and their ``html.tests`` snippets."""
    count, failures = 0, []
    for rule_file in files:
        for rule in rule_file.rules:
            count += sum(len(v) for v in rule.tests.values())
            failures.extend(test_rule(rule))
        if (rule_file.html or {}).get("tests"):
            from .html import count_html_tests, test_html  # lxml only when a file has HTML tests

            count += count_html_tests(rule_file)
            failures.extend(test_html(rule_file))
    return count, failures
