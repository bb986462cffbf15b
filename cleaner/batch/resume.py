"""The resume state of an output folder: skip inputs whose bytes, rules and options are unchanged.

``OUT/.cleaner-state/state.sqlite`` (WAL) holds one row per input: its
resume key (SHA-256 over the input's bytes, ``RuleSet.digest``, the
output-shaping options and the cleaner version) and its report row. An
input is keyed by its path under its root as text, or as its bytes when the
name is not UTF-8 (see stages.reading.display_name). Only
the main process writes, after an output was renamed into place, and
commits finished rows together every ``COMMIT_SECONDS``: a kill at any
moment leaves the store consistent, and a rerun redoes only the files since
the last commit, finding their outputs identical. Workers never open it, so
they may run on other machines. Errors are not stored: they are retried.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from ..version import __version__
from ..rulebook.cache import cache_dir
from ..rulebook.ruleset import RuleSet
from ..stages.reading import InputError
from .files import STATE_DIR, exists_at, sweep_temporaries, target_of
from .model import BatchError, BatchOptions, FileResult, Task
from .remote import Location, state_folder as remote_state_folder

COMMIT_SECONDS = 0.5  # the resume state is committed at most this often (see StateStore.record)
RUNNING = "running"  # a marker in the state folder while a run writes; left behind by a crash


def state_folder(out_dir: Location) -> Path:
    """OUT/.cleaner-state for a local output folder; a local cache folder for a URL."""
    if isinstance(out_dir, Path):
        return out_dir / STATE_DIR
    return remote_state_folder(out_dir, cache_dir())


def usable_state_folder(out_dir: Location) -> Path:
    """The state folder, created; BatchError when something that is not a folder sits in its way."""
    folder = state_folder(out_dir)
    for where in (folder.parent, folder):
        if where.exists() and not where.is_dir():
            raise BatchError(f"{where} exists and is not a folder; move it away (cleaner keeps its state there)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BatchError(f"cannot create {folder}: {exc.strerror or exc}") from None
    return folder


class FolderLock:
    """One writing run per output folder: an OS file lock in its state folder, held for the whole run.

    ``filelock`` takes an exclusive ``flock`` on ``lock``; the kernel drops it
    when the process ends, however it ends, so a killed run never leaves a
    stale lock. The holder's pid goes to ``lock.pid`` (a separate file:
    opening the lock file may truncate it) for the second run's message.
    """

    def __init__(self, out_dir: Location, folder: Path):
        from filelock import FileLock, Timeout

        self.lock, self.pid_file = FileLock(str(folder / "lock")), folder / "lock.pid"
        try:
            self.lock.acquire(timeout=0)
        except Timeout:
            raise BatchError(f"{out_dir} is in use by {self._holder()}; wait for it to finish") from None
        self.pid_file.write_text(f"{os.getpid()}\n", encoding="ascii")

    def _holder(self) -> str:
        try:
            return f"pid {int(self.pid_file.read_text(encoding='ascii'))}"
        except (OSError, ValueError):  # the holder has not written its pid yet
            return "another run"

    def release(self) -> None:
        self.pid_file.unlink(missing_ok=True)
        self.lock.release()


class RunMarker:
    """``running`` in the state folder while a run writes to a local OUT; a crash leaves it behind.

    Every run sweeps OUT of our temporaries first (``.NAME.XXXXXXXX.tmp``):
    a killed worker leaves them even when the run itself finished. The walk
    lists folders only; it costs far less than the reading and hashing every
    input gets on a resumed run. It runs under FolderLock, so no other run's
    temporaries can be swept.
    """

    def __init__(self, out_dir: Path):
        self.path = state_folder(out_dir) / RUNNING
        sweep_temporaries(out_dir)
        self.path.touch()

    def finished(self) -> None:
        self.path.unlink(missing_ok=True)


def _db_key(relative: str) -> str | bytes:
    """The state's key for an input: its relative path, as bytes when it is not UTF-8 (sqlite needs valid text)."""
    try:
        relative.encode("utf-8")
        return relative
    except UnicodeEncodeError:
        return relative.encode("utf-8", "surrogateescape")


class StateStore:
    """The resume state of one output folder (see the module docstring); used by the main process only."""

    def __init__(self, folder: Path, *, readonly: bool = False):
        path = folder / "state.sqlite"
        self.pending: list[tuple[str | bytes, str, str]] = []  # finished, not yet committed: (input, key, row)
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
            found = self.db.execute("SELECT key, row FROM done WHERE input = ?", (_db_key(relative),)).fetchone()
        except sqlite3.Error:  # a store from another run that has no table yet: nothing is done
            return None
        return (found[0], json.loads(found[1])) if found else None

    def record(self, relative: str, key: str, row: str) -> None:
        """Store a finished file's row (JSON), committed with the others once COMMIT_SECONDS have passed.

        A commit per file cost the main process more than a fast file's whole
        cleaning; a kill now redoes the rows not yet committed, whose outputs
        are found identical and left alone.
        """
        self.pending.append((_db_key(relative), key, row))
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
    content_digest.update(f"|{ruleset.digest}|{options.shape()}|{__version__}".encode())
    return content_digest.hexdigest()


def sealed_key(key: str, options: BatchOptions, sites: list[str] | None) -> str:
    """The resume key of a file whose documents are of ``sites``, with the site memory they met.

    Only the memory of those sites goes in: a changed memory redoes the files
    of its sites and no others, and a site without memory leaves the key as it was.
    """
    part = options.memory.digest_for(sites) if options.memory is not None else ""
    return hashlib.sha256(f"{key}|memory {part}".encode()).hexdigest() if part else key


def resumed(task: Task, key: str, options: BatchOptions) -> FileResult | None:
    """The stored row as this run's (action ``skipped``) when the key matches and the output is still there.

    ``key`` is the file's key before site memory: it is sealed here with the
    sites the stored row records (sealed_key).
    """
    if task.stored is None:
        return None
    row = task.stored[1]
    if task.stored[0] != sealed_key(key, options, row.get("sites")):
        return None
    try:
        if row.get("output") and not exists_at(target_of(task, options)):  # the row shows the name, not its bytes
            return None
    except InputError:  # the output may not be written at all: the worker says why
        return None
    result = FileResult(**row)
    result.action, result.key = "skipped", task.stored[0]
    return result
