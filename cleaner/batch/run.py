"""The conductor of a batch: tasks in, results out in input order, progress, log, state and report.

The main process walks the inputs, looks up each one's resume row, hands
the tasks to an engine (the local pool, or Dask) and consumes the results
in order; only it writes the resume state and the report. What could stop a
batch half way (the output folder in use, an unusable state folder or report
path) is checked before any input is read: BatchError, one line.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Iterator, TextIO

from ..atomic import AtomicFile
from ..rulebook.ruleset import RuleSet
from ..stages.reading import SURROGATE
from .dask import DaskEngine
from .files import collisions, walk_any
from .join import Joiner, split_parts, splittable
from .log import NORMAL, Log
from .memory import learn_memory, wants_memory
from .model import BatchError, BatchOptions, FileResult, Summary, Task
from .pool import Pool
from .remote import Location, location
from .resume import FolderLock, RunMarker, StateStore, state_folder, usable_state_folder


def _tasks(paths: list[Location], out_dir: Location | None, state: StateStore | None,
           ruleset: RuleSet, options: BatchOptions, conflicts: dict[str, str], not_inputs: Counter) -> Iterator[Task]:
    """Every input as a Task, with its stored resume row (looked up one at a time: memory stays flat)."""
    for path, relative, refused in walk_any(paths, out_dir, options.select, not_inputs):
        error = conflicts.get(str(path))
        stored = state.get(relative.as_posix()) if state is not None and not options.force and not refused else None
        task = Task(path, relative, stored, refused, error=error)
        yield from (split_parts(task, ruleset, options) if splittable(task, options) and not error else (task,))


def _survey(paths: list[Location], out_dir: Location | None, options: BatchOptions) -> tuple[int, dict[str, str]]:
    """(how many inputs, for the bar; the inputs whose outputs collide, with their errors), by one walk first.

    Only when there is a bar to size or an output folder to protect: in
    stdout and --in-place modes every output is its own.
    """
    if not options.progress and (out_dir is None or options.in_place):
        return 0, {}
    walked = [(str(path), relative) for path, relative, refused in walk_any(paths, out_dir, options.select)
              if not refused]
    return len(walked), (collisions(walked, options.fmt, str(out_dir)) if out_dir is not None and not options.in_place else {})


def _engine(ruleset: RuleSet, options: BatchOptions):
    """The local process pool, or the Dask engine (imported only when asked for)."""
    if options.engine == "dask":
        return DaskEngine(ruleset, options)
    return Pool(ruleset, options)


def with_site_memory(paths: list[Location], ruleset: RuleSet, options: BatchOptions,
                     out_dir: Location | None = None) -> BatchOptions:
    """``options`` carrying the site memory of the inputs: a count pass on the engine first (batch/memory.py).

    ``out_dir``: the output folder, skipped when it lies inside an input.
    """
    if not wants_memory(paths, options):
        return options
    counting = replace(options, counting=True)
    engine = _engine(ruleset, counting)
    try:
        tasks = _tasks(paths, out_dir, None, ruleset, counting, {}, Counter())  # the clean pass counts what it skips
        memory = learn_memory((result for _, result in engine.map(tasks)), options)
    finally:
        engine.close()
    return replace(options, memory=memory)


def run_batch(paths: Iterable[Location], ruleset: RuleSet, options: BatchOptions, *,
              report: Path | None = None, stdout: TextIO | None = None, log: TextIO | None = None,
              verbosity: int = NORMAL) -> Summary:
    """Clean every input under ``options``; returns the totals and writes ``report`` if asked.

    Paths and ``options.out_dir`` may be local paths or URLs (``file://`` ones become local paths).
    ``verbosity``: batch/log.QUIET (errors only), NORMAL or VERBOSE (every warning).
    """
    paths = [location(p) for p in paths]
    if options.out_dir is not None:
        options = replace(options, out_dir=location(options.out_dir))
    out_dir = options.out_dir if not options.in_place else None
    check_report_path(report)
    lock = FolderLock(out_dir, usable_state_folder(out_dir)) if out_dir is not None and options.writes else None
    try:
        return _run(paths, ruleset, options, out_dir, report, stdout, log, verbosity)
    finally:
        if lock is not None:
            lock.release()


def _run(paths: list[Location], ruleset: RuleSet, options: BatchOptions, out_dir: Location | None,
         report: Path | None, stdout: TextIO, log: TextIO, verbosity: int) -> Summary:
    started = time.perf_counter()
    summary = Summary()
    options = with_site_memory(paths, ruleset, options, out_dir)
    state = StateStore(state_folder(out_dir), readonly=not options.writes) if out_dir is not None else None
    total, conflicts = _survey(paths, out_dir, options)
    progress = Log(progress=options.progress, total=total, verbosity=verbosity, log=log, stdout=stdout)
    rows = tempfile.TemporaryFile("w+", encoding="utf-8") if report is not None else None
    marker = RunMarker(out_dir) if isinstance(out_dir, Path) and options.writes else None
    engine = _engine(ruleset, options)
    joiner = Joiner(options)
    try:
        for task, result in engine.map(_tasks(paths, out_dir, state, ruleset, options, conflicts, summary.not_inputs)):
            if task.part is not None:
                result = joiner.add(task, result)
                if result is None:
                    continue
            summary.add(result)
            progress.result(result)
            recorded = options.writes and state is not None and result.key and not result.error \
                and not result.record_errors and result.action != "skipped"
            if recorded or rows is not None:
                row = _json_row(result)  # once, for the state and the report
                if recorded:
                    state.record(task.relative.as_posix(), result.key, row)
                if rows is not None:
                    rows.write(row + "\n")
            progress.advance()
    finally:
        joiner.abandon()
        engine.close()
        for warning in summary.emptying_rules():
            progress.notice(f"warning: {warning}")
        progress.stop()
        if state is not None:
            state.close()
    if marker is not None:
        marker.finished()
    summary.seconds = time.perf_counter() - started
    if rows is not None:
        write_report(report, summary, rows)
    return summary


def _json_row(result: FileResult) -> str:
    """The row as one line of JSON that any UTF-8 writer takes: a stray surrogate is written as its \\u escape."""
    row = json.dumps(result.row(), ensure_ascii=False)
    return row if row.isascii() or not SURROGATE.search(row) else SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", row)


def check_report_path(path: Path | None) -> None:
    """BatchError now, not after the whole batch, when the report could not be written where asked."""
    if path is None:
        return
    folder = next(where for where in (path.parent, *path.parent.parents) if where.exists() or where == where.parent)
    if not folder.is_dir():
        raise BatchError(f"cannot write the report {path}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BatchError(f"cannot write the report {path}: {folder} is not writable")


def write_report(path: Path, summary: Summary, rows: TextIO) -> None:
    """``{"summary": ..., "files": [...]}``, streamed from the spooled rows and renamed into place."""
    try:
        with AtomicFile(path) as out:
            out.write('{"summary": ' + json.dumps(summary.as_dict(), ensure_ascii=False) + ',\n "files": [')
            rows.seek(0)
            for i, line in enumerate(rows):
                out.write(("\n  " if i == 0 else ",\n  ") + line.rstrip("\n"))
            out.write("\n ]}\n")
    except OSError as exc:  # checked before the batch; the disk may still fill up
        raise BatchError(f"cannot write the report {path}: {exc.strerror or exc}") from None
    finally:
        rows.close()
