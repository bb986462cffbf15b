"""A compiled-rules cache, so that a hook run does not parse and validate YAML every time.

Loading rule files means ruamel (YAML with line numbers), jsonschema
(validation) and regex compilation: about 0.2 s, four times the budget of a
pre-commit hook's whole start-up. A loaded RuleSet pickles to a few tens of kB
and unpickles in about a millisecond (``regex`` patterns pickle compiled), so
the first run pays and later runs read one file.

Key: a hash over the cleaner version, the Python version, the loader's own
code and schema, the ``site_rules`` switch and every rule file's path, name,
precedence, size and mtime (nanoseconds), lexicon files included. Any edit to a rule file, a new file
or a removed one gives a new key, hence a fresh load that also reports rule
errors as usual. Entries live in ``$CLEANER_CACHE_DIR``, else
``$XDG_CACHE_HOME/cleaner``, else ``~/.cache/cleaner``; they are written to a
temporary file and renamed (a crash never leaves half an entry), and an entry
that does not unpickle is ignored and rewritten. ``CLEANER_NO_CACHE=1`` turns
the cache off.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..version import __version__

TYPE_CHECKING = False  # typing costs ~9 ms of a hook's start-up: annotations only (fastcheck imports this)
if TYPE_CHECKING:
    from typing import Callable, Iterable, TypeVar

    T = TypeVar("T")
_CODE = ("rulefile.py", "gates.py", "ruleset.py", "index.py", "selectors.py", "lexicons.py", "linemodel.py",
         "cache.py", "schema/rule-file.schema.json", "schema/lexicon.schema.json")


def cache_dir() -> Path:
    """Where entries live: CLEANER_CACHE_DIR, else the XDG cache folder."""
    explicit = os.environ.get("CLEANER_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cleaner"


def _stat_line(path: Path | str) -> str:
    stat = os.stat(path)  # not Path.resolve(): thousands of rule files, a hook's start-up budget
    return f"{os.path.abspath(path)}:{stat.st_size}:{stat.st_mtime_ns}"


def cache_key(entries: Iterable[tuple[Path, str, int]], site_rules: bool) -> str:
    """Changes whenever a rule file, the loader code or the interpreter changes."""
    import hashlib

    here = Path(__file__).parent
    digest = hashlib.sha256(f"{__version__}|{sys.version}|{site_rules}\n".encode())
    for name in _CODE:
        digest.update(f"{_stat_line(here / name)}\n".encode())
    for path, name, rank in entries:
        digest.update(f"{name}|{rank}|{_stat_line(path)}\n".encode())
    return digest.hexdigest()


def _read(path: Path) -> object | None:
    import pickle

    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception:  # corrupt, truncated or from incompatible code: rebuild it
        return None


def _write(path: Path, value: object) -> None:
    import pickle

    from ..atomic import AtomicFile  # only when the cache is rebuilt, not on a hook's fast start

    try:
        with AtomicFile(path, binary=True) as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:  # a read-only home must not stop cleaning
        pass


def cached(entries: list[tuple[Path, str, int]], site_rules: bool, build: Callable[[], T],
           expected: type | None = None) -> T:
    """``build()``'s result, from the cache when the rule files are unchanged since it was stored."""
    if os.environ.get("CLEANER_NO_CACHE"):
        return build()
    try:
        path = cache_dir() / f"rules-{cache_key(entries, site_rules)}.pickle"
    except OSError:  # a rule file vanished between listing and stat: load normally, which reports it
        return build()
    value = _read(path)
    if value is not None and (expected is None or isinstance(value, expected)):
        return value  # type: ignore[return-value]
    value = build()
    _write(path, value)
    _prune(path.parent)
    return value


def _prune(folder: Path, keep: int = 16) -> None:
    """Drop all but the newest entries: every rule edit makes a new one."""
    try:
        entries = sorted(folder.glob("rules-*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in entries[keep:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
