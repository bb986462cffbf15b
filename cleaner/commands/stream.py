"""``-`` as an input: standard input in, standard output out, for ``clean``, ``check`` and ``explain``.

Standard input has no name, so its kind is sniffed (batch/files.stdin_name):
HTML when it starts like a page, JSONL when its first line is a JSON object,
text otherwise. ``--url`` and ``--format`` apply as for a file; there is no
resume state and no output folder.
"""
from __future__ import annotations

import difflib
import sys
from pathlib import PurePosixPath

from ..batch.files import output_format, stdin_name
from ..batch.model import BatchOptions, FileResult
from ..rulebook.ruleset import RuleSet
from ..stages.reading import MAX_INPUT_BYTES, InputError, sources_from_bytes
from ..stages.render import render

TYPE_CHECKING = False  # check imports this module for read_stdin: the batch's worker code stays out of its start-up
if TYPE_CHECKING:
    from ..batch.log import Log

STDIN = "-"


def read_stdin() -> bytes:
    """Standard input's bytes, bounded as a file's are (InputError when larger)."""
    data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(STDIN, f"too large (> {MAX_INPUT_BYTES} bytes)")
    return data


def stdin_sources(data: bytes, url: str | None = None, read_options: dict | None = None,
                  on_error=None) -> tuple[PurePosixPath, list]:
    """(the name standard input is read under, its Sources)."""
    name = stdin_name(data)
    return name, list(sources_from_bytes(data, name, display=STDIN, url=url, on_error=on_error,
                                         **(read_options or {})))


def clean_stdin(ruleset: RuleSet, options: BatchOptions, log: Log) -> FileResult:
    """Clean standard input to standard output; dry (--dry-run, --diff), say whether it would change.

    The row says what happened, as a batch file's does (``would-write`` when dry and changed).
    """
    from ..batch.work import NOT_WRITTEN, located
    from ..stages.pipeline import clean_source

    result = FileResult(input=STDIN)
    try:
        data = read_stdin()
        warnings: list[str] = []
        name, sources = stdin_sources(data, options.url, options.read_options, lambda e: warnings.append(str(e)))
        fmt = output_format(name, options.fmt)
    except InputError as exc:
        result.action, result.error = "error", exc.reason
        log.result(result)
        return result
    parts = []
    for source in sources:
        document = clean_source(source, ruleset)
        result.statuses[document.status] = result.statuses.get(document.status, 0) + 1
        warnings += [f"{located(source)}: {warning}" for warning in document.warnings]
        if name.suffix == ".jsonl" or document.status not in NOT_WRITTEN:
            parts.append(render(document, fmt, options.fields_out()))
    result.records, result.warnings, result.bytes_in = len(sources), warnings, len(data)
    text = "".join(parts)
    if not parts:
        result.action = "not-written"
    elif options.writes:
        result.action, result.rendered = "written", text
    else:
        _dry(result, data, text, options)
    log.result(result)
    return result


def _dry(result: FileResult, data: bytes, text: str, options: BatchOptions) -> None:
    """Dry: the input stands in for the output; a diff of the two with --diff."""
    old = data.decode("utf-8", "replace")
    if old == text:
        result.action = "unchanged"
        return
    result.action, result.output = "would-write", STDIN
    if options.diff:
        result.diff = "".join(difflib.unified_diff(old.splitlines(keepends=True), text.splitlines(keepends=True),
                                                   STDIN, STDIN))
