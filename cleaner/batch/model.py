"""What a batch is told (BatchOptions), hands out (Task) and reports (FileResult, Summary).

Plain data shared by the main process and the workers, which may run on
other machines: everything here pickles.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import Any

from ..stages.reading import DEFAULT_FIELDS, RecordRange
from ..stages.render import RecordFields
from ..stages.sitememory import MemorySettings, PageSignature, SiteMemory
from .remote import Location

class BatchError(Exception):
    """A batch that cannot start (output folder in use, a state folder or report path unusable): one line, exit 2."""


IN_FLIGHT_PER_JOB = 4  # tasks in flight per worker: enough to keep it busy while the main process collects


@dataclass(frozen=True)
class Selection:
    """Which files a folder walk takes (batch/files.walk_inputs); files named on the command line are always taken."""

    include: tuple[str, ...] = ()  # gitignore-style globs: when given, only files matching one are inputs
    exclude: tuple[str, ...] = ()  # gitignore-style globs of files and folders to skip
    ignore_files: bool = True  # honour .gitignore files and the default excludes (--no-ignore: False)

@dataclass(frozen=True)
class BatchOptions:
    """Everything a run needs besides the rules; the output-shaping part goes into the resume key."""

    out_dir: Location | None = None  # None: print to stdout (unless in_place); str: a URL
    fmt: str | None = None  # None: md, and jsonl for a JSONL input (batch/files.output_format)
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
    site_memory: MemorySettings | None = MemorySettings()  # None: no site memory (--no-site-memory)
    memory_file: Path | None = None  # --site-memory FILE: samples loaded from and saved to it
    memory: SiteMemory | None = None  # what the count pass learnt, handed to the workers of the clean pass
    counting: bool = False  # this engine run is the count pass: workers return page signatures
    select: Selection = field(default_factory=Selection)
    record_fields: RecordFields | None = None  # JSONL: None drops the html field (read_options may rename it)

    def fields_out(self) -> RecordFields:
        """The record fields a cleaned JSONL record keeps (the default drops the html field, however named)."""
        if self.record_fields is not None:
            return self.record_fields
        return RecordFields(drop=(self.read_options.get("fields", {}).get("html", DEFAULT_FIELDS["html"]),))

    @property
    def writes(self) -> bool:
        return not (self.dry_run or self.diff)

    def shape(self) -> str:
        """The options an output depends on (OUTPUT_OPTIONS), as a stable string: part of the resume key."""
        shape: dict[str, Any] = {name: getattr(self, name) for name in OUTPUT_OPTIONS if name != "record_fields"}
        fields = self.fields_out()
        shape["record_fields"] = [fields.keep, fields.drop]
        return json.dumps(shape, sort_keys=True)


# Every BatchOptions field is one or the other (a test checks): a new option must say whether outputs depend on it.
# The rules, lexicons, line model and settings-file exclusions are in RuleSet.digest, also in the key.
OUTPUT_OPTIONS = ("fmt", "url", "in_place", "read_options", "record_fields")  # a change redoes every file
RUN_OPTIONS = ("out_dir", "jobs", "force", "dry_run", "diff", "progress", "engine", "scheduler",
               "select",  # same outputs (select: which files, not what a file becomes)
               # site memory: its effect on a file is its sites' memory, which resume.sealed_key folds in
               "site_memory", "memory_file", "memory", "counting")


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
    record_errors: list[dict[str, str]] = field(default_factory=list)  # JSONL records left out: {input: PATH:LINE, reason}
    emptied_by: dict[str, int] = field(default_factory=dict)  # rule id -> documents left empty, it taking the most lines
    bytes_in: int = 0
    bytes_out: int = 0
    reason: str | None = None  # why a file was refused unread (action "refused")
    sites: list[str] = field(default_factory=list)  # its documents' sites: the site memory its output depends on
    key: str | None = None  # resume key (not in the report)
    rendered: str | None = None  # stdout mode only (not in the report)
    diff: str | None = None  # with --diff (not in the report)
    signatures: list[PageSignature] = field(default_factory=list)  # the count pass's (not in the report)

    @property
    def status(self) -> str | None:
        """The document's status for a single-document file."""
        return next(iter(self.statuses)) if len(self.statuses) == 1 and self.records == 1 else None

    def row(self) -> dict[str, Any]:
        """The report's fields, shallow: the row is serialised at once, so asdict's deep copy would be waste."""
        return {name: getattr(self, name) for name in ROW_FIELDS}


ROW_FIELDS = tuple(f.name for f in fields(FileResult) if f.name not in ("key", "rendered", "diff", "signatures"))


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
    emptied_by: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    not_inputs: Counter = field(default_factory=Counter)  # folder files of no input type, by suffix
    warnings: Counter = field(default_factory=Counter)  # by rule (warning_key)

    def add(self, result: FileResult) -> None:
        self.files += 1
        self.records += result.records
        self.bytes_in += result.bytes_in
        self.bytes_out += result.bytes_out
        self.actions[result.action] += 1
        self.statuses.update(result.statuses)
        self.removed.update(result.removed)
        self.emptied_by.update(result.emptied_by)
        if result.error:
            self.errors.append((result.input, result.error))
        self.errors.extend((failure["input"], failure["reason"]) for failure in result.record_errors)
        if result.action != "skipped":
            self.warnings.update(map(warning_key, result.warnings))

    def removed_by_kind(self) -> Counter:
        return self.removed

    def emptying_rules(self) -> list[str]:
        """One warning per rule that emptied more than half of the documents (took most lines of each): too wide.

        A rule matching every line passes its own examples; only a batch shows
        it, so the batch says it once rather than once per document.
        """
        return [f"rule {rule} emptied {n} of the {self.records} documents (it took most of their lines); check its pattern"
                for rule, n in sorted(self.emptied_by.items()) if n > self.records / 2]

    def as_dict(self) -> dict[str, Any]:
        return {"files": self.files, "records": self.records, "bytes_in": self.bytes_in,
                "bytes_out": self.bytes_out, "actions": dict(sorted(self.actions.items())),
                "statuses": dict(sorted(self.statuses.items())),
                "removed": dict(sorted(self.removed.items())), "removed_total": sum(self.removed.values()),
                "errors": [{"input": p, "reason": r} for p, r in self.errors],
                "not_inputs": dict(sorted(self.not_inputs.items())), "warnings": dict(sorted(self.warnings.items())),
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
                f"  errors: {len(self.errors)}"
                + (f"\n  warnings: {sum(self.warnings.values())} ({listing(self.warnings, '')}; -v lists every one)"
                   if self.warnings else "")
                + (f"\n  not inputs: {sum(self.not_inputs.values())} files skipped "
                   f"({listing(self.not_inputs, '')}; see --include)" if self.not_inputs else ""))


_RULE_IN_WARNING = re.compile(r"\brule ([\w.@/-]+[\w])")


def warning_key(message: str) -> str:
    """What a warning is counted under in the summary: the rule it names, else ``input`` (a bad record...)."""
    found = _RULE_IN_WARNING.search(message)
    return found.group(1) if found else "input"


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB"


@dataclass(frozen=True)
class Task:
    """One input as the main process hands it to a worker: where it is and what the resume state knows."""

    path: Location  # a local path, or a URL
    relative: PurePosixPath  # under its input root: the output's path under OUT, and the state's key
    stored: tuple[str, dict[str, Any]] | None = None  # (resume key, report row) of the run that wrote it
    refused: str | None = None  # why it is not read at all (a symlink out of its input folder)
    error: str | None = None  # why it is an error without being read (its output collides with another's)
    part: RecordRange | None = None  # one range of records of a large JSONL file
    part_index: int = 0
    part_count: int = 1
    key: str | None = None  # the whole file's resume key, when the main process computed it (large JSONL)
