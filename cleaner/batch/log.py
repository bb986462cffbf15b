"""What a batch tells the user while it runs: one console for the progress bar and every message.

As ruff does: errors always; warnings (a refused cut, a rule timeout, a
broken JSONL record) one by one with ``-v``, by default the first
WARNINGS_SHOWN and then only their count per rule in the summary; ``-q``
errors only. On a terminal every line goes through the progress bar's own
console, above the bar, never inside its line.
"""
from __future__ import annotations

import sys
from typing import TextIO

from .model import FileResult

QUIET, NORMAL, VERBOSE = 0, 1, 2
WARNINGS_SHOWN = 5  # warnings printed one by one at the default verbosity; the summary counts the rest


class Log:
    """The progress bar (rich, on stderr, only when asked) and the per-file messages, in input order."""

    def __init__(self, *, progress: bool, total: int, verbosity: int = NORMAL, log: TextIO | None = None,
                 stdout: TextIO | None = None):
        self.verbosity, self.log, self.stdout = verbosity, log or sys.stderr, stdout or sys.stdout
        self.warnings_shown = 0
        self.bar = None
        if progress:
            self._start_bar(total)

    def _start_bar(self, total: int) -> None:
        # rich costs tens of milliseconds at import: only when a bar is shown
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("cleaning"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                            console=Console(file=self.log), transient=True)
        self.task = self.bar.add_task("clean", total=total, rate="")
        self.bar.start()

    def advance(self) -> None:
        if self.bar is not None:
            task = self.bar.tasks[0]
            rate = f"{task.speed:.1f} files/s" if task.speed else ""
            self.bar.update(self.task, advance=1, rate=rate)

    def say(self, message: str) -> None:
        """One line on the log stream, above the progress bar when there is one."""
        if self.bar is not None:
            self.bar.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            print(message, file=self.log)

    def notice(self, message: str) -> None:
        """A line about the whole run (not one file), shown unless quiet."""
        if self.verbosity > QUIET:
            self.say(message)

    def result(self, result: FileResult) -> None:
        """Everything one file's row has to say, at this verbosity; its output, in stdout mode."""
        if result.error:
            self.say(f"error: {result.input}: {result.error}")
        for failure in result.record_errors:
            self.say(f"error: {failure['input']}: {failure['reason']}")
        if not result.error and self.verbosity > QUIET:
            self._notices(result)
        if result.rendered is not None:
            self.stdout.write(result.rendered)
        if result.action == "would-write":
            self.stdout.write(result.diff if result.diff is not None else self._would(result))

    @staticmethod
    def _would(result: FileResult) -> str:
        if result.output == result.input:
            return f"would change {result.input}\n"
        return f"would write {result.output}\n"

    def _notices(self, result: FileResult) -> None:
        if result.action == "refused":
            self.say(f"skipped: {result.input}: {result.reason}")
        for warning in result.warnings if result.action != "skipped" else ():
            if self.verbosity >= VERBOSE or self.warnings_shown < WARNINGS_SHOWN:
                self.say(f"warning: {warning}")
                self.warnings_shown += 1
        if result.action == "not-written":
            self.say(f"skipped: {result.input}: {result.status or 'no document'}")

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
