"""Large local JSONL files, cleaned in parts spread over all workers and joined in order.

The main process streams such a file once (its resume key and cut points at
line ends), workers clean one range of records each, and the parts are
appended in order to a temporary file beside the output, renamed after the
last one: memory holds one part, the input limit bounds a part, not the
file, and a kill leaves no partial output.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from ..atomic import AtomicFile
from ..rulebook.ruleset import RuleSet
from ..stages.reading import InputError, display_name, is_jsonl_name, plan_record_ranges
from .files import target_of
from .model import BatchOptions, FileResult, Task
from .resume import finish_key, resumed, sealed_key

PART_BYTES = 8 << 20  # a local JSONL file larger than this is cleaned in parts of about this size


def splittable(task: Task, options: BatchOptions) -> bool:
    path = task.path
    return (not task.refused and isinstance(path, Path) and is_jsonl_name(path) and not path.name.endswith(".gz")
            and not isinstance(options.out_dir, str) and not options.diff
            and path.is_file() and path.stat().st_size > PART_BYTES)


def split_parts(task: Task, ruleset: RuleSet, options: BatchOptions) -> Iterator[Task]:
    """The parts of a large JSONL file, or the file itself when its stored output is still good."""
    try:
        digest, ranges = plan_record_ranges(task.path, PART_BYTES)
    except OSError:
        yield task  # the worker reports why it cannot be read
        return
    key = finish_key(digest, ruleset, options)
    if resumed(task, key, options) is not None:
        yield replace(task, key=key)  # settled() reports it skipped; no worker reads it
        return
    for index, part in enumerate(ranges):
        yield replace(task, part=part, part_index=index, part_count=len(ranges), key=key)


class Joiner:
    """Puts the parts of a large JSONL file together, in order, into one atomically renamed output."""

    def __init__(self, options: BatchOptions):
        self.options = options
        self.result: FileResult | None = None
        self.file: AtomicFile | None = None
        self.target: Path | None = None
        self.held: list[str] = []  # stdout mode: the rendered parts
        self.digest = None  # dry run: the joined output's hash, to tell whether it would change the target

    def add(self, task: Task, part: FileResult) -> FileResult | None:
        """The file's result after its last part; None before."""
        if task.part_index == 0:
            self._start(task)
        assert self.result is not None
        self._merge(part)
        if task.part_index < task.part_count - 1:
            return None
        return self._finish(task)

    def _start(self, task: Task) -> None:
        self.abandon()
        self.result = FileResult(input=display_name(task.path), key=task.key, bytes_in=task.path.stat().st_size)
        try:
            self.target = target_of(task, self.options)
        except InputError as exc:
            self.result.action, self.result.error = "error", exc.reason
            return
        if self.target is not None and self.options.writes:
            self.file = AtomicFile(self.target)
        elif self.target is not None:
            self.digest = hashlib.sha256()

    def _merge(self, part: FileResult) -> None:
        result = self.result
        if part.error and not result.error:
            result.action, result.error = "error", part.error
        result.records += part.records
        result.statuses = dict(Counter(result.statuses) + Counter(part.statuses))
        result.removed = dict(Counter(result.removed) + Counter(part.removed))
        result.emptied_by = dict(Counter(result.emptied_by) + Counter(part.emptied_by))
        result.warnings.extend(part.warnings)
        result.record_errors.extend(part.record_errors)
        result.sites = sorted(set(result.sites).union(part.sites))
        text = part.rendered or ""
        result.bytes_out += len(text.encode("utf-8"))
        if result.error:
            return
        if self.file is not None:
            self.file.handle.write(text)
        elif self.digest is not None:
            self.digest.update(text.encode("utf-8"))
        elif self.target is None:
            self.held.append(text)

    def _finish(self, task: Task) -> FileResult:
        result, self.result = self.result, None
        result.key = sealed_key(result.key, self.options, result.sites)
        if result.error:
            self.abandon()
            return result
        if self.target is None:
            result.rendered, result.action = "".join(self.held), "written"
        elif not self.options.writes:
            same = self.digest is not None and _file_digest(self.target) == self.digest.hexdigest()
            result.output, result.action = display_name(self.target), "unchanged" if same else "would-write"
        else:
            self.file.commit()
            self.file = None
            result.output, result.action = display_name(self.target), "written"
        self.held, self.digest = [], None
        return result

    def abandon(self) -> None:
        """Drop a half-joined output (a failed part, or the run stopping)."""
        if self.file is not None:
            self.file.abandon()
        self.file = None
        self.held = []
        self.digest = None


def _file_digest(path: Path) -> str | None:
    """SHA-256 of a file's bytes, streamed; None when it cannot be read."""
    try:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None
