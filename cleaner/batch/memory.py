"""Site memory in a batch: the count pass's signatures become the memory the clean pass removes with.

The count pass runs on the same engine as the cleaning (local pool or Dask),
over every input, before any output is written; workers send back page
signatures (stages/sitememory.py), the main process keeps a bounded sample
per site. With ``--site-memory FILE`` the samples saved there are added
first and the merged samples are saved back (not on a dry run), so a daily
crawl of the same sites has their memory from its first page.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..stages.reading import is_jsonl_name
from ..stages.sitememory import SiteCounter, SiteMemory
from .model import BatchOptions, FileResult
from .remote import Location


def wants_memory(paths: list[Location], options: BatchOptions) -> bool:
    """Site memory is on and there is a batch to learn from (or a saved memory to use).

    A single document alone teaches nothing, so one plain file costs no count
    pass unless a memory file is given.
    """
    if options.site_memory is None:
        return False
    if options.memory_file is not None or len(paths) > 1:
        return True
    given = paths[0] if paths else None
    return isinstance(given, str) or (given is not None and (given.is_dir() or is_jsonl_name(given)))


def learn_memory(results: Iterable[FileResult], options: BatchOptions) -> SiteMemory:
    """The memory of the counted inputs (and of the memory file's samples, saved back with theirs)."""
    settings = options.site_memory
    counter = SiteCounter(settings.sample)
    saved = options.memory_file
    if saved is not None and Path(saved).exists():
        counter.load(Path(saved))
    for result in results:
        for page in result.signatures:
            counter.add(page)
    if saved is not None and options.writes:
        counter.save(Path(saved))
    return counter.memory(settings)
