"""``cleaner clean --engine dask``: the same batch, with files cleaned on Dask workers.

Only the execution changes. The main process still walks the inputs, looks
up the resume state, consumes results in input order with a bounded number
in flight (``4 x`` the workers' threads), logs, records the state and writes
the report, exactly as with the local pool (``batch.run.run_batch``). A worker
runs ``batch.work.process_file``: read, hash, clean, write the output. So outputs
and report figures are the same as the local pool's, byte for byte.

Without ``--scheduler`` a ``distributed.LocalCluster`` is started (one
process per ``--jobs``, one thread each). With ``--scheduler tcp://host:8786``
the workers may be other machines: inputs and the output folder must then be
at the same path on every worker (shared storage) or be URLs (``s3://...``).
The rules and options are sent to every worker once (``scatter``), not with
each task.

Units of work are files, and ranges of records of a large JSONL file
(``batch.join.PART_BYTES``; the main process joins the parts, see ``batch.join``).
"""
from __future__ import annotations

import logging
from collections import deque
from typing import Any, Iterator

from ..rulebook.ruleset import RuleSet
from ..stages.reading import display_name
from .model import IN_FLIGHT_PER_JOB, BatchOptions, FileResult, Task
from .remote import MissingDependency
from .work import internal_error, process_file, settled

INSTALL = "pip install 'cleaner[dask]'"


def require() -> None:
    """Raise MissingDependency (one line of advice) when dask.distributed cannot be imported."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise MissingDependency(f"--engine dask needs dask[distributed], which is not installed: {INSTALL}") from None


def _run(task: Task, ruleset: RuleSet, options: BatchOptions) -> FileResult:
    """The task a Dask worker runs (module level, so workers import it rather than unpickle code)."""
    return process_file(task, ruleset, options)


class DaskEngine:
    """Ordered, bounded execution of batch tasks on a Dask cluster; same interface as batch.pool.Pool."""

    def __init__(self, ruleset: RuleSet, options: BatchOptions):
        require()
        from distributed import Client, LocalCluster

        self.cluster = None
        if options.scheduler:
            self.client = Client(options.scheduler)
        else:
            # CRITICAL, not ERROR: at shutdown a worker's last heartbeat can meet the closed scheduler,
            # and distributed logs that at ERROR with a traceback. A file a worker died on is reported
            # by the batch itself (``_collect``), so the library's own log adds nothing for the user.
            self.cluster = LocalCluster(n_workers=max(1, options.jobs), threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.CRITICAL)
            self.client = Client(self.cluster)
        threads = sum(self.client.nthreads().values()) or 1
        self.window = threads * IN_FLIGHT_PER_JOB
        self.options = options
        self.context = self.client.scatter([ruleset, options], broadcast=True)

    def map(self, tasks: Iterator[Task]) -> Iterator[tuple[Task, FileResult]]:
        window: deque[tuple[Task, Any]] = deque()
        for task in tasks:
            pending = settled(task, self.options) or self.client.submit(_run, task, *self.context, pure=False)
            window.append((task, pending))
            if len(window) >= self.window:
                yield self._collect(*window.popleft())
        while window:
            yield self._collect(*window.popleft())

    @staticmethod
    def _collect(task: Task, pending: Any) -> tuple[Task, FileResult]:
        if isinstance(pending, FileResult):
            return task, pending
        from distributed import KilledWorker

        try:
            return task, pending.result()
        except KilledWorker as exc:  # a worker died on this file more than the scheduler allows
            reason = f"worker died: {type(exc).__name__}: {exc}"
        except Exception as exc:  # process_file never raises: a result that did not travel back, say
            reason = internal_error(exc)
        return task, FileResult(input=display_name(task.path), action="error", error=display_name(reason))

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
