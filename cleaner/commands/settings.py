"""Project settings: ``cleaner.toml`` or ``pyproject.toml`` ``[tool.cleaner]``; command-line flags override.

Found like ruff finds its settings: from the current folder upwards, the first
folder holding a ``cleaner.toml``, or a ``pyproject.toml`` with a
``[tool.cleaner]`` table, wins (``cleaner.toml`` first within one folder).
Relative rule folders are relative to that file. Unknown keys and wrong types
are errors (exit 2), all of a file's at once, each with its line and a
"did you mean" where a known name is close, because a misspelt key silently
ignored is a setting the user believes in and does not have.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..rulebook.rulefile import RULE_KINDS, did_you_mean
from ..stages.render import FORMATS
from ..stages.sitememory import MemorySettings

FIELD_NAMES = ("url", "html", "text")  # JSONL record fields the reader looks for


class ConfigError(Exception):
    """A settings file that cannot be used; str() is one 'path[:line]: reason' line per problem."""


@dataclass(frozen=True)
class Config:
    """Settings for ``clean`` and ``check``; the defaults are what no settings file means."""

    path: Path | None = None
    rules: tuple[Path, ...] = ()
    format: str | None = None
    exclude_kinds: tuple[str, ...] = ()
    jobs: int | None = None
    site_rules: bool = True
    model: bool = True  # false: the line model is off (like --no-model)
    site_memory: MemorySettings | None = MemorySettings()  # None: off (like --no-site-memory)
    fields: dict[str, str] = field(default_factory=dict)


def _toml(path: Path) -> dict[str, Any]:
    import tomllib
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def find_config(start: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """(settings file, its cleaner table) nearest to ``start`` (default: the current folder)."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        own = candidate / "cleaner.toml"
        if own.is_file():
            return own, _toml(own)
        project = candidate / "pyproject.toml"
        if project.is_file() and "[tool.cleaner" in project.read_text(encoding="utf-8", errors="replace"):
            table = _toml(project).get("tool", {}).get("cleaner")
            if isinstance(table, dict):
                return project, table
    return None


KEYS = ("rules", "format", "exclude-kinds", "jobs", "site-rules", "model", "fields", "site-memory",
        "site-memory-share", "site-memory-stories", "site-memory-sample")


class _Problems:
    """The problems of one settings file, each 'path:line: reason' (line where the key is found)."""

    def __init__(self, path: Path):
        self.path, self.found = path, []
        try:
            self.lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            self.lines = []

    def add(self, key: str, reason: str) -> None:
        line = next((n for n, text in enumerate(self.lines, start=1)
                     if text.lstrip().startswith((f"{key} ", f"{key}=", f'"{key}"'))), None)
        self.found.append(f"{self.path}:{line}: {reason}" if line else f"{self.path}: {reason}")


def _expect(problems: _Problems, key: str, value: Any, kind: type | tuple[type, ...], what: str) -> bool:
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        problems.add(key, f"'{key}' must be {what}, not {value!r}")
        return False
    return True


def _string_list(problems: _Problems, key: str, value: Any) -> tuple[str, ...] | None:
    if _expect(problems, key, value, list, "a list of strings") and all(isinstance(item, str) for item in value):
        return tuple(value)
    if isinstance(value, list):
        problems.add(key, f"'{key}' must be a list of strings, not {value!r}")
    return None


def _kinds(problems: _Problems, key: str, value: Any) -> tuple[str, ...] | None:
    """exclude-kinds: rule kinds the schema knows; a typo would exclude nothing and say nothing."""
    kinds = _string_list(problems, key, value)
    for kind in kinds or ():
        if kind not in RULE_KINDS:
            problems.add(key, f"unknown kind '{kind}' in '{key}'{did_you_mean(kind, RULE_KINDS)} "
                              f"(known: {', '.join(RULE_KINDS)})")
    return kinds


def _parse(problems: _Problems, path: Path, key: str, value: Any) -> dict[str, Any]:
    """The Config fields of one key (none when it is wrong: the problem is noted)."""
    if key == "rules":
        rules = _string_list(problems, key, value)
        return {} if rules is None else {"rules": tuple(path.parent / p for p in rules)}
    if key == "format":
        if value in FORMATS:
            return {"format": value}
        problems.add(key, f"'format' must be one of {', '.join(FORMATS)}, not {value!r}"
                          f"{did_you_mean(str(value), FORMATS)}")
    elif key == "exclude-kinds":
        kinds = _kinds(problems, key, value)
        return {} if kinds is None else {"exclude_kinds": kinds}
    elif key == "jobs":
        if _expect(problems, key, value, int, "a positive integer"):
            if value >= 1:
                return {"jobs": value}
            problems.add(key, f"'jobs' must be a positive integer, not {value!r}")
    elif key in ("site-rules", "model"):
        if _expect(problems, key, value, bool, "true or false"):
            return {key.replace("-", "_"): value}
    elif key == "fields":
        return _fields(problems, key, value)
    elif key == "site-memory" or key in MEMORY_KEYS:
        return _memory_value(problems, key, value)
    else:
        problems.add(key, f"unknown key '{key}'{did_you_mean(key, KEYS)}")
    return {}


def _fields(problems: _Problems, key: str, value: Any) -> dict[str, Any]:
    if not _expect(problems, key, value, dict, "a table like {text = \"content\"}"):
        return {}
    for unknown in sorted(set(value) - set(FIELD_NAMES)):
        problems.add(key, f"unknown field '{unknown}' in 'fields'{did_you_mean(unknown, FIELD_NAMES)} "
                          f"(known: {', '.join(FIELD_NAMES)})")
    good = {k: v for k, v in value.items() if k in FIELD_NAMES and _expect(problems, f"fields.{k}", v, str, "a string")}
    return {"fields": good}


def parse_config(path: Path, table: dict[str, Any]) -> Config:
    """Check and convert one ``[tool.cleaner]`` table (or a whole ``cleaner.toml``); every problem at once."""
    problems = _Problems(path)
    settings: dict[str, Any] = {"path": path}
    for key, value in table.items():
        settings.update(_parse(problems, path, key, value))
    if problems.found:
        raise ConfigError("\n".join(problems.found))
    return Config(**_with_memory(settings))


MEMORY_KEYS = {"site-memory-share": "min_share", "site-memory-stories": "min_stories",
               "site-memory-sample": "sample"}  # settings keys of the site memory's thresholds


def _memory_value(problems: _Problems, key: str, value: Any) -> dict[str, Any]:
    """A site-memory setting: the switch, a share in (0, 1], or a count of at least 2 (none when it is wrong)."""
    if key == "site-memory":
        return {"site_memory": value} if _expect(problems, key, value, bool, "true or false") else {}
    if key == "site-memory-share":
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 1:
            return {key: float(value)}
        problems.add(key, f"'{key}' must be a number above 0 and at most 1, not {value!r}")
    elif _expect(problems, key, value, int, "an integer of at least 2"):
        if value >= 2:
            return {key: value}
        problems.add(key, f"'{key}' must be an integer of at least 2, not {value!r}")
    return {}


def _with_memory(settings: dict[str, Any]) -> dict[str, Any]:
    """The parsed settings with the site-memory keys made one MemorySettings (None when switched off)."""
    thresholds = {field: settings.pop(key) for key, field in MEMORY_KEYS.items() if key in settings}
    on = settings.pop("site_memory", True)
    return {**settings, "site_memory": replace(MemorySettings(), **thresholds) if on else None}


def load_config(start: Path | None = None) -> Config:
    """The settings in force for ``start``; an empty Config when there is no settings file."""
    found = find_config(start)
    return parse_config(*found) if found else Config()
