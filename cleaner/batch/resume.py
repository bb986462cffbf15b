"""The resume state of an output folder: skip inputs whose bytes, rules and options are unchanged.

``OUT/.cleaner-state/state.sqlite`` (WAL) holds one row per input: its
resume key (SHA-256 over the input's bytes, ``RuleSet.digest``, the
output-shaping options and the cleaner version) and its report row. Only
the main process writes, after an output was renamed into place, and
commits finished rows together every ``COMMIT_SECONDS``: a kill at any
moment leaves the store consistent, and a rerun redoes only the files since
the last commit, finding their outputs identical. Workers never open it, so
they may run on other machines. Errors are not stored: they are retried.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from ..version import __version__
from ..rulebook.cache import cache_dir
from ..rulebook.ruleset import RuleSet
from .files import STATE_DIR, exists_at, sweep_temporaries
from .model import BatchOptions, FileResult, Task
from .remote import Location, state_folder as remote_state_folder

COMMIT_SECONDS = 0.5  # the resume state is committed at most this often (see StateStore.record)
RUNNING = "running"  # a marker in the state folder while a run writes; left behind by a crash


def state_folder(out_dir: Location) -> Path:
    """OUT/.cleaner-state for a local output folder; a local cache folder for a URL."""
    if isinstance(out_dir, Path):
        return out_dir / STATE_DIR
    return remote_state_folder(out_dir, cache_dir())


class RunMarker:
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
    content_digest.update(f"|{ruleset.digest}|{options.shape()}|{__version__}".encode())
    return content_digest.hexdigest()


def resumed(task: Task, key: str) -> FileResult | None:
    if task.stored is None or task.stored[0] != key:
        return None
    row = task.stored[1]
    if row.get("output") and not exists_at(row["output"]):
        return None
    result = FileResult(**row)
    result.action, result.key = "skipped", key
    return result
