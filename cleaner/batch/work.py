"""The work on one input file, or one range of a large JSONL file, in whatever process runs it.

A worker does the whole job: read, hash, resume check, clean, render, write.
It never raises: a problem becomes the row's error, so one odd file cannot
stop a batch. An output depends only on its input, the rules and the
options, never on file order or worker count.
"""
from __future__ import annotations

import difflib
from collections import Counter
from pathlib import Path

from ..rulebook.ruleset import RuleSet
from ..stages.pipeline import clean_source
from ..stages.reading import InputError, read_record_range, read_sources
from ..stages.render import render
from .files import existing_text, is_multi_record, read_input, target_of, write_output
from .model import BatchOptions, FileResult, Task
from .remote import Location, local_copy
from .resume import resume_key, resumed

NOT_WRITTEN = ("not_found", "empty")  # reported, not written as if they were articles


def _clean(path: Path, display: str, result: FileResult, ruleset: RuleSet, options: BatchOptions) -> list[str]:
    """Rendered outputs of every document in ``path``, filling the result's counts and warnings.

    A broken JSONL record becomes a warning of the result rather than a line
    the reader prints, so it reaches the main process's log from any worker.
    """
    multi = is_multi_record(path)
    parts, statuses, removed = [], Counter(), Counter()

    def broken(error: InputError) -> None:
        result.warnings.append(str(error))

    for source in read_sources(path, display=display, url=options.url, on_error=broken, **options.read_options):
        document = clean_source(source, ruleset)
        statuses[document.status] += 1
        removed.update(document.removed_by_kind())
        result.warnings.extend(document.warnings)
        if multi:
            parts.append(render(document, "jsonl"))
        elif document.status not in NOT_WRITTEN:
            parts.append(render(document, options.fmt))
    result.records = sum(statuses.values())
    result.statuses, result.removed = dict(statuses), dict(removed)
    return parts


def _clean_any(task: Task, data: bytes, result: FileResult, ruleset: RuleSet, options: BatchOptions) -> list[str]:
    """_clean on the local file, or on a temporary copy of a URL's bytes."""
    if isinstance(task.path, Path):
        return _clean(task.path, str(task.path), result, ruleset, options)
    with local_copy(task.path, data) as copy:
        return _clean(copy, task.path, result, ruleset, options)


def _diff(path: Location, data: bytes, target: Location, new: str) -> str:
    old = data.decode("utf-8", "replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new.splitlines(keepends=True), str(path), str(target)))


def _deliver(result: FileResult, path: Location, data: bytes, target: Location | None, text: str,
             options: BatchOptions) -> None:
    """Write (or, dry, describe) the output; leave an identical existing output alone."""
    result.bytes_out = len(text.encode("utf-8"))
    if target is None:
        result.rendered, result.action = text, "written"
        return
    result.output = str(target)
    if existing_text(target) == text:
        result.action = "unchanged"
    elif not options.writes:
        result.action = "would-write"
        if options.diff:
            result.diff = _diff(path, data, target, text)
    else:
        write_output(target, text)
        result.action = "written"


def process_file(task: Task, ruleset: RuleSet, options: BatchOptions) -> FileResult:
    """Hash, resume check, clean, write one input file. Never raises: problems become the row's error."""
    if task.part is not None:
        return process_part(task, ruleset, options)
    result = FileResult(input=str(task.path))
    try:
        data = read_input(task.path)
        result.bytes_in, result.key = len(data), resume_key(data, ruleset, options)
        skipped = resumed(task, result.key)
        if skipped is not None:
            return skipped
        target = target_of(task, options)
        parts = _clean_any(task, data, result, ruleset, options)
        if not parts:
            result.action = "not-written"
            return result
        _deliver(result, task.path, data, target, "".join(parts), options)
    except InputError as exc:
        result.action, result.error = "error", exc.reason
    except OSError as exc:
        result.action, result.error = "error", exc.strerror or str(exc)
    except Exception as exc:  # a bug on odd input must not stop the batch; the row names it
        result.action, result.error = "error", f"internal error: {type(exc).__name__}: {exc}"
    return result


def process_part(task: Task, ruleset: RuleSet, options: BatchOptions) -> FileResult:
    """Clean one range of records; the rendered lines go back to the main process, which writes the file."""
    result = FileResult(input=str(task.path), action="part", key=task.key)
    statuses, removed = Counter(), Counter()
    parts = []
    try:
        for source in read_record_range(task.path, task.part, url=options.url,
                                        on_error=lambda error: result.warnings.append(str(error)),
                                        **options.read_options):
            document = clean_source(source, ruleset)
            statuses[document.status] += 1
            removed.update(document.removed_by_kind())
            result.warnings.extend(document.warnings)
            parts.append(render(document, "jsonl"))
    except InputError as exc:
        result.action, result.error = "error", exc.reason
    except OSError as exc:
        result.action, result.error = "error", exc.strerror or str(exc)
    result.rendered = "".join(parts)
    result.records, result.statuses, result.removed = sum(statuses.values()), dict(statuses), dict(removed)
    result.bytes_in = task.part.end - task.part.start
    return result


def settled(task: Task) -> FileResult | None:
    """The row the main process already knows, so no worker is needed; None when there is work to do.

    An input refused unread (not an error: the exit code does not change), or
    a large JSONL file whose stored output is still good (``split_parts`` hashed it).
    """
    if task.refused:
        return FileResult(input=str(task.path), action="refused", reason=task.refused)
    if task.key is not None and task.part is None:
        return resumed(task, task.key)
    return None
