"""The examples every rule file carries (``tests: remove/keep``), like semgrep's ruleid/ok, and their failures.

A rule passes when each ``remove`` line is removed or changed by that rule
and each ``keep`` line is left exactly as it is. A ``keep`` rule (which
protects lines) lists ``protect`` lines it must match instead of ``remove``.
"""
from __future__ import annotations

from dataclasses import dataclass

from .rulefile import Rule

_VERBS = {("text", "remove"): "did not remove", ("text", "keep"): "removed or changed",
          ("text", "protect"): "did not protect", ("text", "timeout"): "timed out on",
          ("html", "remove"): "html did not remove the text of", ("html", "keep"): "html removed text of"}


@dataclass(frozen=True)
class Failure:
    """An example a rule (text) or a rule file's selectors (html) did not handle as the file says."""

    where: str  # "FILE:LINE: RULE-ID" for a text rule, "FILE" for a file's html tests
    expected: str  # "remove", "protect" or "keep"; "timeout" when the regex ran out of time on the example
    example: str  # the line, or the HTML snippet
    kind: str = "text"  # text | html

    def __str__(self) -> str:
        example = self.example if self.kind == "text" else self.example[:120]
        separator = " " if self.kind == "text" else ": "
        return f"{self.where}{separator}{_VERBS[self.kind, self.expected]}: {example!r}"


def test_rule(rule: Rule) -> list[Failure]:
    """The rule's failed examples; an example its regex times out on (catastrophic backtracking) fails too."""
    where = f"{rule.file}:{rule.line}: {rule.id}"
    failures = []
    for expected in ("remove", "protect", "keep"):
        for line in rule.tests.get(expected, []):
            try:
                matched = rule.apply(line) is not None
            except TimeoutError:
                failures.append(Failure(where, "timeout", line))
                continue
            if matched != (expected != "keep"):  # a keep rule matching a keep example would protect it: wrong too
                failures.append(Failure(where, expected, line))
    return failures


def takes_every_line(rule: Rule, lines: list[str]) -> bool:
    """Whether ``rule`` removes or changes every one of ``lines`` (none: False): a rule too broad to be residue's.

    A regex that times out counts as not matching: its line stays, as in cleaning.
    """
    if rule.action == "keep" or not lines:
        return False
    for line in lines:
        try:
            if rule.apply(line) is None:
                return False
        except TimeoutError:
            return False
    return True
