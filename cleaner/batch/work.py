"""The work on one input file, or one range of a large JSONL file, in whatever process runs it.

A worker does the whole job: read, hash, resume check, clean, render, write.
It never raises: a problem becomes the row's error, so one odd file cannot
stop a batch. An output depends only on its input, the rules and the
options, never on file order or worker count.
"""
from __future__ import annotations

import difflib
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable

from ..rulebook.ruleset import RuleSet
from ..stages.pipeline import clean_source, page_signature
from ..stages.document import Document, Source
from ..stages.reading import InputError, display_name, is_jsonl_name, read_record_range, sources_from_bytes
from ..stages.render import render
from .files import existing_text, output_format, read_input, target_of, write_output
from .model import BatchOptions, FileResult, Task
from .remote import Location
from .resume import resume_key, resumed, sealed_key

NOT_WRITTEN = ("not_found", "empty")  # reported, not written as if they were articles


def process_file(task: Task, ruleset: RuleSet, options: BatchOptions) -> FileResult:
    """Hash, resume check, clean, write one input file. Never raises: problems become the row's error."""
    if options.counting:
        return count_file(task, ruleset, options)
    if task.part is not None:
        return process_part(task, ruleset, options)
    result = FileResult(input=display_name(task.path))
    return _guarded(result, lambda: _whole_file(task, result, ruleset, options))


def count_file(task: Task, ruleset: RuleSet, options: BatchOptions) -> FileResult:
    """Site memory's count pass over one file or range: its documents' signatures, nothing written.

    Problems are left to the clean pass, which reports them (a file that
    cannot be read adds nothing to the memory).
    """
    result = FileResult(input=display_name(task.path), action="counted")

    def count() -> FileResult:
        result.signatures = [found for source in _sources(task, result, options)
                             if (found := page_signature(source, ruleset)) is not None]
        return result

    return _guarded(result, count)


def _sources(task: Task, result: FileResult, options: BatchOptions) -> Iterable[Source]:
    """The documents of a task: a whole file's, or one range's of records."""
    if task.part is not None:
        return read_record_range(task.path, task.part, display=result.input, url=options.url,
                                 on_error=_warning_of(result), **options.read_options)
    name = task.path if isinstance(task.path, Path) else PurePosixPath(task.path)  # readers tell kinds by name
    return sources_from_bytes(read_input(task.path), name, display=result.input, url=options.url,
                              on_error=_warning_of(result), **options.read_options)


def process_part(task: Task, ruleset: RuleSet, options: BatchOptions) -> FileResult:
    """Clean one range of records; the rendered lines go back to the main process, which writes the file."""
    result = FileResult(input=display_name(task.path), action="part", key=task.key, bytes_in=task.part.end - task.part.start)
    return _guarded(result, lambda: _part(task, result, ruleset, options))


def _guarded(result: FileResult, work: Callable[[], FileResult]) -> FileResult:
    """``work()``'s row, or ``result`` with the reason it raised: one odd input must not stop the batch."""
    try:
        return work()
    except InputError as exc:
        result.action, result.error = "error", exc.reason
    except OSError as exc:
        result.action, result.error = "error", exc.strerror or str(exc)
    except Exception as exc:  # a bug on odd input; the row names it
        result.action, result.error = "error", internal_error(exc)
    return result


def internal_error(exc: BaseException) -> str:
    """The one-line reason for an exception nobody expected (a bug met on odd input)."""
    return display_name(f"internal error: {type(exc).__name__}: {exc}".splitlines()[0])


def _whole_file(task: Task, result: FileResult, ruleset: RuleSet, options: BatchOptions) -> FileResult:
    name = task.path if isinstance(task.path, Path) else PurePosixPath(task.path)  # readers tell kinds by name
    fmt = output_format(name, options.fmt)
    data = read_input(task.path)
    result.bytes_in, result.key = len(data), resume_key(data, ruleset, options)
    skipped = resumed(task, result.key, options)
    if skipped is not None:
        return skipped
    target = target_of(task, options)
    sources = sources_from_bytes(data, name, display=result.input, url=options.url,
                                 on_error=_warning_of(result), **options.read_options)
    multi = is_jsonl_name(name)
    parts = _clean(sources, result, ruleset, fmt, options, every=multi)
    result.key = sealed_key(result.key, options, result.sites)
    if not parts:
        result.action = "not-written"
        return result
    _deliver(result, task.path, data, target, "".join(parts), options)
    return result


def _part(task: Task, result: FileResult, ruleset: RuleSet, options: BatchOptions) -> FileResult:
    result.rendered = "".join(_clean(_sources(task, result, options), result, ruleset, "jsonl", options, every=True))
    return result


def _warning_of(result: FileResult) -> Callable[[InputError], None]:
    """A broken JSONL record becomes a warning of the row, so it reaches the main process's log from any worker."""
    return lambda error: result.warnings.append(str(error))


def located(source: Source) -> str:
    """Where a document's warnings point: its file, and for a JSONL record its line and ``id``."""
    record_id = source.record.get("id") if source.record is not None else None
    shown = source.path or "-"
    return shown if record_id is None or isinstance(record_id, (dict, list)) else f"{shown} (id {record_id})"


def _clean(sources: Iterable[Source], result: FileResult, ruleset: RuleSet, fmt: str, options: BatchOptions, *,
           every: bool) -> list[str]:
    """Rendered outputs of ``sources``, filling the row's counts and warnings (each naming its document).

    ``every``: records of a JSONL file are all written, ``not_found`` and
    ``empty`` ones too; a single document with those statuses is not. A record
    whose cleaning raises (a bug met on odd input) is left out and named in
    ``record_errors``; the file's other records go on.
    """
    parts, statuses, removed, emptied, sites = [], Counter(), Counter(), Counter(), set()
    fields = options.fields_out()
    for source in sources:
        try:
            document = clean_source(source, ruleset, options.memory)
            rendered = render(document, fmt, fields) if every or document.status not in NOT_WRITTEN else None
        except Exception as exc:
            if not every:
                raise  # one document: the file's error (see _guarded)
            result.record_errors.append({"input": source.path or result.input, "reason": internal_error(exc)})
            continue
        sites.add(document.site)
        statuses[document.status] += 1
        removed.update(document.removed_by_kind())
        if document.status == "empty":
            emptied.update(_main_remover(document))
        result.warnings.extend(f"{located(source)}: {warning}" for warning in document.warnings)
        if rendered is not None:
            parts.append(rendered)
    result.records = sum(statuses.values())
    result.statuses, result.removed, result.emptied_by = dict(statuses), dict(removed), dict(emptied)
    result.sites = sorted(sites - {None})
    return parts


def _main_remover(document: Document) -> list[str]:
    """The rule that took the most lines of a document (none for builtin duplicate checks and header moves)."""
    taken = Counter(r.rule for r in document.removals if r.action != "header" and not r.rule.startswith("builtin/"))
    return [rule for rule, _ in taken.most_common(1)]


def _diff(path: Location, data: bytes, target: Location, new: str) -> str:
    old = data.decode("utf-8", "replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new.splitlines(keepends=True), display_name(path), display_name(target)))


def _deliver(result: FileResult, path: Location, data: bytes, target: Location | None, text: str,
             options: BatchOptions) -> None:
    """Write (or, dry, describe) the output; leave an identical existing output alone."""
    result.bytes_out = len(text.encode("utf-8"))
    if target is None:
        result.rendered, result.action = text, "written"
        return
    result.output = display_name(target)
    if existing_text(target) == text:
        result.action = "unchanged"
    elif not options.writes:
        result.action = "would-write"
        if options.diff:
            result.diff = _diff(path, data, target, text)
    else:
        write_output(target, text)
        result.action = "written"


def settled(task: Task, options: BatchOptions) -> FileResult | None:
    """The row the main process already knows, so no worker is needed; None when there is work to do.

    An input refused unread (not an error: the exit code does not change), or
    a large JSONL file whose stored output is still good (``split_parts`` hashed it).
    """
    if task.error:
        return FileResult(input=str(task.path), action="error", error=task.error)
    if task.refused:
        return FileResult(input=display_name(task.path), action="refused", reason=display_name(task.refused))
    if task.key is not None and task.part is None:
        return resumed(task, task.key, options)
    return None
