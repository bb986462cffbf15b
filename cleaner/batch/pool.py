"""Ordered, bounded execution on a local process pool, in chunks of consecutive files.

A task per file would cost the main process more IPC than a small text
file's cleaning, so tasks grow to about ``CHUNK_SECONDS`` of measured work.
At most ``IN_FLIGHT_PER_JOB x jobs`` chunks are in flight and results come
back in input order: memory stays flat and logs and reports keep the input's
order whatever the number of workers. A worker that dies breaks the pool: a
new one is started and the chunks in flight are redone one file at a time,
so only a file that kills a worker again is reported.

A killed main process takes its pool with it: each worker holds the read
end of a pipe whose only write end is the main process's, and exits when it
reads end-of-file. With the workers gone the forkserver and the resource
tracker (which live while any worker holds their descriptors) end too.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from multiprocessing import reduction
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Iterator

from ..rulebook.ruleset import RuleSet
from ..stages.reading import display_name
from .model import IN_FLIGHT_PER_JOB, BatchOptions, FileResult, Task
from .work import internal_error, process_file, settled

CHUNK_SECONDS = 0.05  # a pool task holds about this much work (see _ChunkSize)
MAX_CHUNK = 64  # files in one pool task at most

_worker: dict[str, Any] = {}  # a pool worker's rules and options, set once by _init_worker


def _init_worker(ruleset: RuleSet, options: BatchOptions, alive: int | None = None) -> None:
    """Per pool worker, once: the rules and options, and a thread that ends the worker when the run's pipe ``alive`` closes."""
    _worker.update(ruleset=ruleset, options=options)
    if alive is not None:
        threading.Thread(target=_exit_at_eof, args=(alive,), name="watch-main", daemon=True).start()


def _exit_at_eof(alive: int) -> None:
    """Exit at once when the main process is gone: its run was killed, no one will read our results.

    A file being written is left as a temporary, which the next run sweeps.
    """
    while os.read(alive, 1):
        pass
    os._exit(1)


class _ForChild:
    """A descriptor the pool worker inherits: duplicated for the child while the worker's arguments are pickled."""

    def __init__(self, fd: int):
        self.fd = fd

    def __reduce__(self):
        return _detach, (reduction.DupFd(self.fd),)


def _detach(duplicate: object) -> int:
    return duplicate.detach()


def _pool_task(task: Task) -> FileResult:
    return process_file(task, _worker["ruleset"], _worker["options"])


def _pool_chunk(tasks: list[Task]) -> tuple[list[FileResult], float]:
    """Several files as one pool task: their results, and the worker's seconds on them (to size later chunks)."""
    started = time.perf_counter()
    results = [_pool_task(task) for task in tasks]
    return results, time.perf_counter() - started



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


class Pool:
    """Ordered, bounded execution: in-process for one job, a process pool (tasks of several files) otherwise."""

    def __init__(self, ruleset: RuleSet, options: BatchOptions):
        self.jobs = max(1, options.jobs)
        self.args = (ruleset, options)
        self.executor: ProcessPoolExecutor | None = None
        self.size = _ChunkSize()
        self.alive: tuple[int, int] | None = None  # (read, write): workers exit when the write end closes
        if self.jobs == 1:
            _init_worker(*self.args)
        else:
            self._start()

    def _start(self) -> None:
        # forkserver: forking the main process once the progress bar's thread runs could deadlock
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if context.get_start_method() == "forkserver":
            context.set_forkserver_preload([__name__])  # imported once by the server, not again by each worker
        if self.alive is None:
            self.alive = os.pipe()
            os.set_inheritable(self.alive[1], False)
        self.executor = ProcessPoolExecutor(self.jobs, mp_context=context, initializer=_init_worker,
                                            initargs=(*self.args, _ForChild(self.alive[0])))

    def map(self, tasks: Iterator[Task]) -> Iterator[tuple[Task, FileResult]]:
        if self.executor is None:
            for task in tasks:
                yield task, settled(task, self.args[1]) or _pool_task(task)
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
            done = settled(task, self.args[1])
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
        if isinstance(pending, list):
            yield from zip(chunk, pending)
            return
        try:
            results, seconds = pending.result()
        except Exception:  # a worker died (out of memory, killed), or a result did not unpickle: find the file
            yield from self._one_by_one(chunk)
            return
        self.size.learn(seconds, len(chunk))
        yield from zip(chunk, results)

    def _one_by_one(self, chunk: list[Task]) -> Iterator[tuple[Task, FileResult]]:
        """A chunk whose worker died, each file alone on a sound pool: only a file that kills a worker is an error."""
        for task in chunk:
            try:
                (result,), _ = self._submit([task]).result()
            except BrokenProcessPool as exc:
                result = FileResult(input=display_name(task.path), action="error", error=f"worker died: {exc}")
            except Exception as exc:  # process_file never raises: the result did not travel back
                result = FileResult(input=display_name(task.path), action="error", error=internal_error(exc))
            yield task, result

    def _submit(self, chunk: list[Task]) -> Future:
        """Hand a chunk to the pool; to a new pool when a worker died (chunks in flight come back failed)."""
        try:
            return self.executor.submit(_pool_chunk, chunk)
        except BrokenProcessPool:  # submit refuses once the pool knows a worker died
            self.executor.shutdown(wait=False, cancel_futures=True)
            self._start()
            return self.executor.submit(_pool_chunk, chunk)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
        if self.alive is not None:
            for fd in self.alive:
                os.close(fd)
            self.alive = None
