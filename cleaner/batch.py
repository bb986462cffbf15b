"""Clean many files: walk inputs, clean them on every core, write outputs mirroring the input tree.

How a run goes
--------------
The main process walks the inputs (sorted, hidden entries and the output
folder skipped) and hands files to a process pool (``--jobs``, default all
cores; each worker receives the loaded RuleSet once, at start) in chunks of
consecutive files, sized to about ``CHUNK_SECONDS`` of measured work: a task
per file would cost the main process more IPC than a small text file's
cleaning, and it shares the cores with the workers. At most ``4 x jobs``
chunks are in flight and results are consumed in input order, so memory
stays flat however many files there are, and logs, stdout and the report come
out in the same order whatever the number of workers. With ``--jobs 1``
files are cleaned in the main process, with no pool. A worker does the whole
job for one file: hash, resume check, read, clean, render, write. An output
depends only on its input, the rules and the options, never on file order or
worker count. A worker that dies (out of memory, killed) breaks the pool: a
new one is started and the chunks that were in flight are redone one file at
a time, so only a file that kills a worker again is reported (``worker
died``).

Outputs
-------
``OUT/<relative path>`` with the format's suffix. A multi-record input (JSONL:
``.jsonl``, ``.ndjson``, ``.jsonl.gz``) gives one ``OUT/<relative path>.jsonl``
holding all its records, in input order. Each output is written to a
temporary file in the same folder and renamed (all or nothing), and is left
alone when its content would not change. Nothing is written over an input
unless ``in_place`` is set; ``not_found`` and ``empty`` single documents are
reported and not written.

Resume state
------------
``OUT/.cleaner-state/state.sqlite`` (SQLite, WAL journal): one row per input,
keyed by its path relative to its input root, holding the *resume key* and
the report row of the run that wrote it. The resume key is a SHA-256 over the
input's bytes, ``RuleSet.digest`` (every rule file's content), the options
that shape outputs (format, URL, site rules, input field names) and the
cleaner version. The main process looks each input's row up and sends it
with the task; the worker hashes its input, and skips it when the stored key
matches and the stored outputs still exist (``force`` redoes all). So workers
never open the store, and may run on other machines (``--engine dask``).
Only the main process writes, a file's row after its output was renamed
into place, and commits the rows of finished files in one transaction once
``COMMIT_SECONDS`` have passed since the last commit (and at the end): a
commit per file cost the main process more than cleaning a small file.
SQLite commits are atomic, so a kill at any moment leaves the store
consistent and no row ever points at a missing output; the files finished
since the last commit are redone on the rerun, find their output identical
and leave it alone (``unchanged``). So a kill loses and duplicates nothing.
Lookups
go by primary key, so the store is never loaded whole into memory. Errors
are not stored: a failed file is retried on the next run. For an output
folder behind a URL (``s3://...``) the store is a local folder keyed by the
URL (see ``remote.state_folder``).

Inputs
------
Folders are walked without following folder symlinks (``os.walk``). A file
symlink found in a folder is followed only when its target lies inside that
folder: one that points outside is refused with a reason (``skipped: PATH:
... outside the input folder``), so a link cannot pull in, say, a home
directory's files. A symlink named on the command line is the user's choice
and is followed. Paths may be fsspec URLs (see ``remote``).

Large JSONL files
-----------------
A local, uncompressed JSONL file over ``PART_BYTES`` is cleaned in parts:
the main process streams it once (its resume key, and cut points at line
ends: ``inputs.plan_record_ranges``), workers clean one range of records each
(local pool or Dask alike), and the main process appends the parts, in order,
to a temporary file beside the output and renames it after the last one. So
such a file is spread over all workers, its size is not bounded by the input
limit (each range is), memory holds one part at a time, and a kill leaves no
partial output.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, fields, replace
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator, TextIO

from .inputs import InputError, RecordRange, plan_record_ranges, read_raw, read_record_range, read_sources
from .remote import Location, has_protocol, location
from .pipeline import clean_source
from .render import FORMATS, render
from .ruleset import RuleSet

NOT_WRITTEN = ("not_found", "empty")  # reported, not written as if they were articles
MULTI_RECORD_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
STATE_DIR = ".cleaner-state"
IN_FLIGHT_PER_JOB = 4  # pool tasks in flight per worker: enough to keep it busy while the main process collects
CHUNK_SECONDS = 0.05  # a pool task holds about this much work (see _ChunkSize)
MAX_CHUNK = 64  # files in one pool task at most
PART_BYTES = 8 << 20  # a local JSONL file larger than this is cleaned in parts of about this size
COMMIT_SECONDS = 0.5  # the resume state is committed at most this often (see StateStore.record)
RUNNING = "running"  # a marker in the state folder while a run writes; left behind by a crash
_OUR_TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")  # write_atomic's mkstemp names: .NAME.XXXXXXXX.tmp


@dataclass(frozen=True)
class BatchOptions:
    """Everything a run needs besides the rules; the output-shaping part goes into the resume key."""

    out_dir: Location | None = None  # None: print to stdout (unless in_place); str: a URL
    fmt: str = "md"
    url: str | None = None
    jobs: int = 1
    force: bool = False
    dry_run: bool = False
    diff: bool = False  # print unified diffs input -> output; implies dry_run
    in_place: bool = False
    progress: bool = False
    read_options: dict[str, Any] = field(default_factory=dict)  # e.g. JSONL field names, for read_sources
    engine: str = "local"  # local (a process pool) | dask
    scheduler: str | None = None  # dask: the scheduler's address; None starts a LocalCluster

    @property
    def writes(self) -> bool:
        return not (self.dry_run or self.diff)

    def shape(self) -> str:
        """The options an output depends on, as a stable string."""
        return json.dumps({"fmt": self.fmt, "url": self.url, "in_place": self.in_place,
                           "read": self.read_options}, sort_keys=True)


@dataclass
class FileResult:
    """One input file's row in the report."""

    input: str
    output: str | None = None
    action: str = ""  # written | unchanged | skipped | not-written | refused | would-write | error
    records: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    bytes_in: int = 0
    bytes_out: int = 0
    reason: str | None = None  # why a file was refused unread (action "refused")
    key: str | None = None  # resume key (not in the report)
    rendered: str | None = None  # stdout mode only (not in the report)
    diff: str | None = None  # with --diff (not in the report)

    @property
    def status(self) -> str | None:
        """The document's status for a single-document file."""
        return next(iter(self.statuses)) if len(self.statuses) == 1 and self.records == 1 else None

    def row(self) -> dict[str, Any]:
        """The report's fields, shallow: the row is serialised at once, so asdict's deep copy would be waste."""
        return {name: getattr(self, name) for name in ROW_FIELDS}


ROW_FIELDS = tuple(f.name for f in fields(FileResult) if f.name not in ("key", "rendered", "diff"))


@dataclass
class Summary:
    """Running totals; per-file rows are not kept here (they stream to the report)."""

    files: int = 0
    records: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    actions: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    removed: Counter = field(default_factory=Counter)
    errors: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, result: FileResult) -> None:
        self.files += 1
        self.records += result.records
        self.bytes_in += result.bytes_in
        self.bytes_out += result.bytes_out
        self.actions[result.action] += 1
        self.statuses.update(result.statuses)
        self.removed.update(result.removed)
        if result.error:
            self.errors.append((result.input, result.error))

    def removed_by_kind(self) -> Counter:
        return self.removed

    def as_dict(self) -> dict[str, Any]:
        return {"files": self.files, "records": self.records, "bytes_in": self.bytes_in,
                "bytes_out": self.bytes_out, "actions": dict(sorted(self.actions.items())),
                "statuses": dict(sorted(self.statuses.items())),
                "removed": dict(sorted(self.removed.items())), "removed_total": sum(self.removed.values()),
                "errors": [{"input": p, "reason": r} for p, r in self.errors],
                "seconds": round(self.seconds, 3)}

    def text(self) -> str:
        def listing(counter: Counter, empty: str) -> str:
            return ", ".join(f"{k} {n}" for k, n in sorted(counter.items())) or empty

        rate = self.files / self.seconds if self.seconds else 0.0
        return (f"{self.files} files ({self.records} documents, {_size(self.bytes_in)} in, "
                f"{_size(self.bytes_out)} out) in {self.seconds:.1f} s, {rate:.1f} files/s\n"
                f"  files: {listing(self.actions, 'none')}\n"
                f"  statuses: {listing(self.statuses, 'none')}\n"
                f"  removed: {listing(self.removed, 'nothing')} (total {sum(self.removed.values())})\n"
                f"  errors: {len(self.errors)}")


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB"


@dataclass(frozen=True)
class Task:
    """One input as the main process hands it to a worker: where it is and what the resume state knows."""

    path: Location  # a local path, or a URL
    relative: PurePosixPath  # under its input root: the output's path under OUT, and the state's key
    stored: tuple[str, dict[str, Any]] | None = None  # (resume key, report row) of the run that wrote it
    refused: str | None = None  # why it is not read at all (a symlink out of its input folder)
    part: RecordRange | None = None  # one range of records of a large JSONL file
    part_index: int = 0
    part_count: int = 1
    key: str | None = None  # the whole file's resume key, when the main process computed it (large JSONL)


def _outside(path: Path, root: Path) -> str | None:
    """Why a file symlink found under ``root`` is not followed: its target lies outside ``root``."""
    if not path.is_symlink():
        return None
    target = Path(os.path.realpath(path))  # realpath, not resolve(): a symlink loop must not raise here
    if target.is_relative_to(os.path.realpath(root)):
        return None
    return f"symbolic link to {target}, outside the input folder; not followed"


def walk_inputs(paths: Iterable[str | Path], exclude: Path | None = None
                ) -> Iterator[tuple[Path, PurePosixPath, str | None]]:
    """(file, path under its input root, reason to refuse it or None), folders recursed in sorted order.

    Hidden files and folders (a leading dot) are skipped, as git and ruff do,
    and so is ``exclude`` (the output folder, when it sits inside an input).
    """
    skip = exclude.resolve() if exclude is not None else None
    for given in map(Path, paths):
        if not given.is_dir():
            yield given, PurePosixPath(given.name), None
            continue
        for root, dirs, files in os.walk(given):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                             and (skip is None or (Path(root) / d).resolve() != skip))
            for name in sorted(f for f in files if not f.startswith(".")):
                path = Path(root) / name
                yield path, PurePosixPath(path.relative_to(given).as_posix()), _outside(path, given)


def iter_inputs(paths: Iterable[str | Path], exclude: Path | None = None) -> Iterator[tuple[Path, PurePosixPath]]:
    """(file, path under its input root) for every input that may be read (see walk_inputs)."""
    for path, relative, refused in walk_inputs(paths, exclude):
        if refused is None:
            yield path, relative


def _walk_any(paths: Iterable[Location], exclude: Location | None) -> Iterator[tuple[Location, PurePosixPath, str | None]]:
    """walk_inputs for local paths, remote.walk for URLs, in the order given."""
    for given in paths:
        if isinstance(given, str):
            from .remote import walk

            yield from ((url, relative, None) for url, relative in walk(given))
        else:
            yield from walk_inputs([given], exclude if isinstance(exclude, Path) else None)


def is_multi_record(path: Path | PurePosixPath) -> bool:
    return path.name.lower().endswith(MULTI_RECORD_SUFFIXES)


def output_relative(relative: PurePosixPath, fmt: str) -> PurePosixPath:
    """The output's path under OUT: the format's suffix, or .jsonl for a multi-record input.

    Raises InputError for a path that would climb out of OUT (absolute, or a ``..`` part).
    """
    if relative.is_absolute() or ".." in relative.parts:
        raise InputError(relative, "output would land outside the output folder")
    if is_multi_record(relative):
        stem = relative.name[: -len(".gz")] if relative.name.lower().endswith(".gz") else relative.name
        return relative.parent / PurePosixPath(stem).with_suffix(".jsonl")
    return relative.with_suffix(FORMATS[fmt])


def output_path(out_dir: Path, relative: Path | PurePosixPath, fmt: str) -> Path:
    """OUT/<relative path> with the format's suffix; always inside OUT, symlinks in OUT included."""
    target = out_dir / output_relative(PurePosixPath(*relative.parts), fmt)
    if not target.resolve().is_relative_to(out_dir.resolve()):
        raise InputError(relative, "output would land outside the output folder")
    return target


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename: all or nothing.

    A symlink is written through (its target is replaced, the link stays), as
    an editor saving the file would; renaming over the link would cut it.
    """
    path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, _file_mode(path))  # mkstemp makes 0600; an output is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _file_mode(path: Path) -> int:
    """The file's own mode when it exists (--in-place keeps it), else 0666 minus the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def state_folder(out_dir: Location) -> Path:
    """OUT/.cleaner-state for a local output folder; a local cache folder for a URL."""
    if isinstance(out_dir, Path):
        return out_dir / STATE_DIR
    from .remote import state_folder as remote_state_folder
    from .rulecache import cache_dir

    return remote_state_folder(out_dir, cache_dir())


def sweep_temporaries(out_dir: Path) -> int:
    """Delete write_atomic's temporary files left in ``out_dir`` by a killed run; returns how many.

    A kill between mkstemp and rename leaves ``.NAME.XXXXXXXX.tmp`` next to
    where NAME would be. The output itself is either absent (written on the
    rerun) or whole, so the temporary is only litter; it never holds the only
    copy of anything.
    """
    swept = 0
    for root, dirs, files in os.walk(out_dir):
        dirs[:] = [d for d in dirs if d != STATE_DIR]
        for name in files:
            if _OUR_TEMPORARY.fullmatch(name):
                Path(root, name).unlink(missing_ok=True)
                swept += 1
    return swept


class _RunMarker:
    """``running`` in the state folder while a run writes to a local OUT; found at start, it means a crash.

    Only then is OUT walked for temporaries (a full walk of a big output tree
    on every run would cost more than the resume saves).
    """

    def __init__(self, out_dir: Path):
        self.path = state_folder(out_dir) / RUNNING
        if self.path.exists():
            sweep_temporaries(out_dir)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch()

    def finished(self) -> None:
        self.path.unlink(missing_ok=True)


class StateStore:
    """The resume state of one output folder (see the module docstring); used by the main process only."""

    def __init__(self, folder: Path, *, readonly: bool = False):
        path = folder / "state.sqlite"
        self.pending: list[tuple[str, str, str]] = []  # finished, not yet committed: (input, key, row)
        self.committed = time.monotonic()
        if readonly:
            self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True) if path.exists() else None
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS done (input TEXT PRIMARY KEY, key TEXT NOT NULL, row TEXT NOT NULL)")
        self.db.commit()

    def get(self, relative: str) -> tuple[str, dict[str, Any]] | None:
        """(resume key, report row) stored for ``relative``, if any."""
        if self.db is None:
            return None
        try:
            found = self.db.execute("SELECT key, row FROM done WHERE input = ?", (relative,)).fetchone()
        except sqlite3.Error:  # a store from another run that has no table yet: nothing is done
            return None
        return (found[0], json.loads(found[1])) if found else None

    def record(self, relative: str, key: str, row: str) -> None:
        """Store a finished file's row (JSON), committed with the others once COMMIT_SECONDS have passed.

        A commit per file cost the main process more than a fast file's whole
        cleaning; a kill now redoes the rows not yet committed, whose outputs
        are found identical and left alone.
        """
        self.pending.append((relative, key, row))
        if time.monotonic() - self.committed >= COMMIT_SECONDS:
            self.commit()

    def commit(self) -> None:
        """Write the pending rows in one transaction."""
        if self.pending:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO done VALUES (?, ?, ?)", self.pending)
            self.pending.clear()
        self.committed = time.monotonic()

    def close(self) -> None:
        """Commit what is pending (a run that stops on an exception keeps its finished files) and close."""
        if self.db is not None:
            if self.pending:
                self.commit()
            self.db.close()


# --- the work on one file (runs in a worker process, local or on a Dask worker) ---

def resume_key(data: bytes, ruleset: RuleSet, options: BatchOptions) -> str:
    return finish_key(hashlib.sha256(data), ruleset, options)


def finish_key(content_digest: Any, ruleset: RuleSet, options: BatchOptions) -> str:
    """The resume key from a sha256 already fed with the input's bytes (streamed, for large files)."""
    from . import __version__

    content_digest.update(f"|{ruleset.digest}|{options.shape()}|{__version__}".encode())
    return content_digest.hexdigest()


def _exists(where: Location) -> bool:
    if isinstance(where, str) and has_protocol(where):
        from .remote import exists

        return exists(where)
    return Path(where).exists()


def _resumed(task: Task, key: str) -> FileResult | None:
    if task.stored is None or task.stored[0] != key:
        return None
    row = task.stored[1]
    if row.get("output") and not _exists(row["output"]):
        return None
    result = FileResult(**row)
    result.action, result.key = "skipped", key
    return result


def _read(where: Location) -> bytes:
    if isinstance(where, str):
        from .remote import read

        return read(where)
    return read_raw(where)


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
    from .remote import local_copy

    with local_copy(task.path, data) as copy:
        return _clean(copy, task.path, result, ruleset, options)


def _target(task: Task, options: BatchOptions) -> Location | None:
    if options.in_place:
        return task.path
    if options.out_dir is None:
        return None
    if isinstance(options.out_dir, str):
        from .remote import join

        return join(options.out_dir, output_relative(task.relative, options.fmt))
    target = output_path(options.out_dir, task.relative, options.fmt)
    if isinstance(task.path, Path) and target.exists() and target.samefile(task.path):
        raise InputError(task.path, "output would overwrite the input; choose another -o (or --in-place)")
    return target


def _existing_text(target: Location) -> str | None:
    if isinstance(target, str):
        from .remote import read_text

        return read_text(target)
    try:
        return target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _write(target: Location, text: str) -> None:
    if isinstance(target, str):
        from .remote import write

        write(target, text)
    else:
        write_atomic(target, text)


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
    if _existing_text(target) == text:
        result.action = "unchanged"
    elif not options.writes:
        result.action = "would-write"
        if options.diff:
            result.diff = _diff(path, data, target, text)
    else:
        _write(target, text)
        result.action = "written"


def process_file(task: Task, ruleset: RuleSet, options: BatchOptions) -> FileResult:
    """Hash, resume check, clean, write one input file. Never raises: problems become the row's error."""
    if task.part is not None:
        return process_part(task, ruleset, options)
    result = FileResult(input=str(task.path))
    try:
        data = _read(task.path)
        result.bytes_in, result.key = len(data), resume_key(data, ruleset, options)
        skipped = _resumed(task, result.key)
        if skipped is not None:
            return skipped
        target = _target(task, options)
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
    a large JSONL file whose stored output is still good (``_split`` hashed it).
    """
    if task.refused:
        return FileResult(input=str(task.path), action="refused", reason=task.refused)
    if task.key is not None and task.part is None:
        return _resumed(task, task.key)
    return None


_worker: dict[str, Any] = {}


def _init_worker(ruleset: RuleSet, options: BatchOptions) -> None:
    """Per pool worker, once: the rules and options."""
    _worker.update(ruleset=ruleset, options=options)


def _pool_task(task: Task) -> FileResult:
    return process_file(task, _worker["ruleset"], _worker["options"])


def _pool_chunk(tasks: list[Task]) -> tuple[list[FileResult], float]:
    """Several files as one pool task: their results, and the worker's seconds on them (to size later chunks)."""
    started = time.perf_counter()
    results = [_pool_task(task) for task in tasks]
    return results, time.perf_counter() - started


# --- the run (main process) ---

class _ChunkSize:
    """How many files a pool task holds: about CHUNK_SECONDS of work, from the seconds per file seen so far.

    One file per task costs the main process an IPC round, a pickle and a
    wake-up per file, which rivals the cleaning of a small text file; a long
    task leaves one core idle at the end of the run. So tasks start at one
    file and grow to CHUNK_SECONDS of measured work (never more than
    MAX_CHUNK files).
    """

    def __init__(self) -> None:
        self.per_file: float | None = None  # moving average of a worker's seconds per file

    def learn(self, seconds: float, files: int) -> None:
        seen = seconds / files
        self.per_file = seen if self.per_file is None else 0.7 * self.per_file + 0.3 * seen

    def files(self) -> int:
        if self.per_file is None:
            return 1
        return max(1, min(MAX_CHUNK, int(CHUNK_SECONDS / max(self.per_file, 1e-6))))


class _Pool:
    """Ordered, bounded execution: in-process for one job, a process pool (tasks of several files) otherwise."""

    def __init__(self, ruleset: RuleSet, options: BatchOptions):
        self.jobs = max(1, options.jobs)
        self.args = (ruleset, options)
        self.executor: ProcessPoolExecutor | None = None
        self.size = _ChunkSize()
        if self.jobs == 1:
            _init_worker(*self.args)
        else:
            self._start()

    def _start(self) -> None:
        import multiprocessing

        # forkserver: forking the main process once the progress bar's thread runs could deadlock
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if context.get_start_method() == "forkserver":
            context.set_forkserver_preload([__name__])  # imported once by the server, not again by each worker
        self.executor = ProcessPoolExecutor(self.jobs, mp_context=context, initializer=_init_worker,
                                            initargs=self.args)

    def map(self, tasks: Iterator[Task]) -> Iterator[tuple[Task, FileResult]]:
        if self.executor is None:
            for task in tasks:
                yield task, settled(task) or _pool_task(task)
            return
        window: deque[tuple[list[Task], Future | list[FileResult]]] = deque()
        for chunk, done in self._chunks(tasks):
            window.append((chunk, done or self._submit(chunk)))
            if len(window) >= self.jobs * IN_FLIGHT_PER_JOB:
                yield from self._collect(*window.popleft())
        while window:
            yield from self._collect(*window.popleft())

    def _chunks(self, tasks: Iterator[Task]) -> Iterator[tuple[list[Task], list[FileResult] | None]]:
        """Tasks grouped for the pool, in order; a settled task comes alone with its result (no worker needed).

        A part of a large JSONL file is a chunk on its own: it is already about PART_BYTES of work.
        """
        chunk: list[Task] = []
        for task in tasks:
            done = settled(task)
            if chunk and (done is not None or task.part is not None):
                yield chunk, None
                chunk = []
            if done is not None:
                yield [task], [done]
                continue
            chunk.append(task)
            if task.part is not None or len(chunk) >= self.size.files():
                yield chunk, None
                chunk = []
        if chunk:
            yield chunk, None

    def _collect(self, chunk: list[Task], pending: Future | list[FileResult]) -> Iterator[tuple[Task, FileResult]]:
        from concurrent.futures.process import BrokenProcessPool

        if isinstance(pending, list):
            yield from zip(chunk, pending)
            return
        try:
            results, seconds = pending.result()
        except BrokenProcessPool:  # a worker died (out of memory, killed): find the file that killed it
            yield from self._one_by_one(chunk)
            return
        self.size.learn(seconds, len(chunk))
        yield from zip(chunk, results)

    def _one_by_one(self, chunk: list[Task]) -> Iterator[tuple[Task, FileResult]]:
        """A chunk whose worker died, each file alone on a sound pool: only a file that kills a worker is an error."""
        from concurrent.futures.process import BrokenProcessPool

        for task in chunk:
            try:
                (result,), _ = self._submit([task]).result()
            except BrokenProcessPool as exc:
                result = FileResult(input=str(task.path), action="error", error=f"worker died: {exc}")
            yield task, result

    def _submit(self, chunk: list[Task]) -> Future:
        """Hand a chunk to the pool; to a new pool when a worker died (chunks in flight come back failed)."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            return self.executor.submit(_pool_chunk, chunk)
        except BrokenProcessPool:  # submit refuses once the pool knows a worker died
            self.executor.shutdown(wait=False, cancel_futures=True)
            self._start()
            return self.executor.submit(_pool_chunk, chunk)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)


class _Progress:
    """A rich progress bar on stderr (files/s, ETA), or nothing."""

    def __init__(self, enabled: bool, total: int):
        self.bar = None
        if not enabled:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        from rich.console import Console

        self.bar = Progress(TextColumn("cleaning"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=True)
        self.task = self.bar.add_task("clean", total=total, rate="")
        self.bar.start()

    def advance(self) -> None:
        if self.bar is not None:
            task = self.bar.tasks[0]
            rate = f"{task.speed:.1f} files/s" if task.speed else ""
            self.bar.update(self.task, advance=1, rate=rate)

    def print(self, message: str, stream: TextIO) -> None:
        if self.bar is not None and stream is sys.stderr:
            self.bar.console.print(message, markup=False, highlight=False)
        else:
            print(message, file=stream)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _log(result: FileResult, progress: _Progress, log: TextIO, stdout: TextIO) -> None:
    if result.error:
        progress.print(f"error: {result.input}: {result.error}", log)
        return
    if result.action == "refused":
        progress.print(f"skipped: {result.input}: {result.reason}", log)
    for warning in result.warnings if result.action != "skipped" else ():
        where = "" if warning.startswith(f"{result.input}:") else f"{result.input}: "  # JSONL: PATH:LINE: ...
        progress.print(f"warning: {where}{warning}", log)
    if result.action == "not-written":
        progress.print(f"skipped: {result.input}: {result.status or 'no document'}", log)
    if result.rendered is not None:
        stdout.write(result.rendered)
    if result.action == "would-write":
        stdout.write(result.diff if result.diff is not None else f"would write {result.output}\n")


def _tasks(paths: list[Location], out_dir: Location | None, state: StateStore | None,
           ruleset: RuleSet, options: BatchOptions) -> Iterator[Task]:
    """Every input as a Task, with its stored resume row (looked up one at a time: memory stays flat)."""
    for path, relative, refused in _walk_any(paths, out_dir):
        stored = state.get(relative.as_posix()) if state is not None and not options.force and not refused else None
        task = Task(path, relative, stored, refused)
        yield from (_split(task, ruleset, options) if _splittable(task, options) else (task,))


def _splittable(task: Task, options: BatchOptions) -> bool:
    path = task.path
    return (not task.refused and isinstance(path, Path) and is_multi_record(path) and not path.name.endswith(".gz")
            and not isinstance(options.out_dir, str) and not options.diff
            and path.is_file() and path.stat().st_size > PART_BYTES)


def _split(task: Task, ruleset: RuleSet, options: BatchOptions) -> Iterator[Task]:
    """The parts of a large JSONL file, or the file itself when its stored output is still good."""
    try:
        digest, ranges = plan_record_ranges(task.path, PART_BYTES)
    except OSError:
        yield task  # the worker reports why it cannot be read
        return
    key = finish_key(digest, ruleset, options)
    if _resumed(task, key) is not None:
        yield replace(task, key=key)  # settled() reports it skipped; no worker reads it
        return
    for index, part in enumerate(ranges):
        yield replace(task, part=part, part_index=index, part_count=len(ranges), key=key)


class _Joiner:
    """Puts the parts of a large JSONL file together, in order, into one atomically renamed output."""

    def __init__(self, options: BatchOptions):
        self.options = options
        self.result: FileResult | None = None
        self.handle: Any = None
        self.tmp: Path | None = None
        self.target: Path | None = None
        self.held: list[str] = []  # stdout mode: the rendered parts

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
        self.result = FileResult(input=str(task.path), key=task.key, bytes_in=task.path.stat().st_size)
        try:
            self.target = _target(task, self.options)
        except InputError as exc:
            self.result.action, self.result.error = "error", exc.reason
            return
        if self.target is not None and self.options.writes:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".tmp")
            self.handle, self.tmp = os.fdopen(fd, "w", encoding="utf-8", newline="\n"), Path(name)

    def _merge(self, part: FileResult) -> None:
        result = self.result
        if part.error and not result.error:
            result.action, result.error = "error", part.error
        result.records += part.records
        result.statuses = dict(Counter(result.statuses) + Counter(part.statuses))
        result.removed = dict(Counter(result.removed) + Counter(part.removed))
        result.warnings.extend(part.warnings)
        text = part.rendered or ""
        result.bytes_out += len(text.encode("utf-8"))
        if result.error:
            return
        if self.handle is not None:
            self.handle.write(text)
        elif self.target is None:
            self.held.append(text)

    def _finish(self, task: Task) -> FileResult:
        result, self.result = self.result, None
        if result.error:
            self.abandon()
            return result
        if self.target is None:
            result.rendered, result.action = "".join(self.held), "written"
        elif not self.options.writes:
            result.output, result.action = str(self.target), "would-write"
        else:
            self.handle.close()
            os.chmod(self.tmp, _file_mode(self.target))
            os.replace(self.tmp, self.target)
            self.handle = self.tmp = None
            result.output, result.action = str(self.target), "written"
        self.held = []
        return result

    def abandon(self) -> None:
        """Drop a half-joined output (a failed part, or the run stopping)."""
        if self.handle is not None:
            self.handle.close()
            self.tmp.unlink(missing_ok=True)
        self.handle = self.tmp = None
        self.held = []


def _engine(ruleset: RuleSet, options: BatchOptions):
    """The local process pool, or the Dask engine (imported only when asked for)."""
    if options.engine == "dask":
        from .dask_engine import DaskEngine

        return DaskEngine(ruleset, options)
    return _Pool(ruleset, options)


def run_batch(paths: Iterable[Location], ruleset: RuleSet, options: BatchOptions, *,
              report: Path | None = None, stdout: TextIO = sys.stdout, log: TextIO = sys.stderr) -> Summary:
    """Clean every input under ``options``; returns the totals and writes ``report`` if asked.

    Paths and ``options.out_dir`` may be local paths or URLs (``file://`` ones become local paths).
    """
    paths = [location(p) for p in paths]
    if options.out_dir is not None:
        options = replace(options, out_dir=location(options.out_dir))
    started = time.perf_counter()
    summary = Summary()
    out_dir = options.out_dir if not options.in_place else None
    state = StateStore(state_folder(out_dir), readonly=not options.writes) if out_dir is not None else None
    total = sum(1 for _ in _walk_any(paths, out_dir)) if options.progress else 0
    progress = _Progress(options.progress, total)
    rows = tempfile.TemporaryFile("w+", encoding="utf-8") if report is not None else None
    marker = _RunMarker(out_dir) if isinstance(out_dir, Path) and options.writes else None
    engine = _engine(ruleset, options)
    joiner = _Joiner(options)
    try:
        for task, result in engine.map(_tasks(paths, out_dir, state, ruleset, options)):
            if task.part is not None:
                result = joiner.add(task, result)
                if result is None:
                    continue
            summary.add(result)
            _log(result, progress, log, stdout)
            recorded = options.writes and state is not None and result.key and not result.error \
                and result.action != "skipped"
            if recorded or rows is not None:
                row = json.dumps(result.row(), ensure_ascii=False)  # once, for the state and the report
                if recorded:
                    state.record(task.relative.as_posix(), result.key, row)
                if rows is not None:
                    rows.write(row + "\n")
            progress.advance()
    finally:
        joiner.abandon()
        engine.close()
        progress.stop()
        if state is not None:
            state.close()
    if marker is not None:
        marker.finished()
    summary.seconds = time.perf_counter() - started
    if rows is not None:
        write_report(report, summary, rows)
    return summary


def write_report(path: Path, summary: Summary, rows: TextIO) -> None:
    """``{"summary": ..., "files": [...]}``, streamed from the spooled rows and renamed into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write('{"summary": ' + json.dumps(summary.as_dict(), ensure_ascii=False) + ',\n "files": [')
            rows.seek(0)
            for i, line in enumerate(rows):
                out.write(("\n  " if i == 0 else ",\n  ") + line.rstrip("\n"))
            out.write("\n ]}\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        rows.close()
