"""Project settings: ``cleaner.toml`` or ``pyproject.toml`` ``[tool.cleaner]``; command-line flags override.

Found like ruff finds its settings: from the current folder upwards, the first
folder holding a ``cleaner.toml``, or a ``pyproject.toml`` with a
``[tool.cleaner]`` table, wins (``cleaner.toml`` first within one folder).
Relative rule folders are relative to that file. Unknown keys and wrong types
are errors (exit 2), because a misspelt key silently ignored is a setting the
user believes in and does not have.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..rulebook.ruleset import RuleSet
from ..stages.render import FORMATS

FIELD_NAMES = ("url", "html", "text")  # JSONL record fields the reader looks for


class ConfigError(Exception):
    """A settings file that cannot be used; str() is 'path: reason'."""


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
    fields: dict[str, str] = field(default_factory=dict)


def _toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
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


def _expect(path: Path, key: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise ConfigError(f"{path}: '{key}' must be {what}, not {value!r}")
    return value


def _string_list(path: Path, key: str, value: Any) -> tuple[str, ...]:
    _expect(path, key, value, list, "a list of strings")
    return tuple(_expect(path, key, item, str, "a list of strings") for item in value)


def parse_config(path: Path, table: dict[str, Any]) -> Config:
    """Check and convert one ``[tool.cleaner]`` table (or a whole ``cleaner.toml``)."""
    settings: dict[str, Any] = {"path": path}
    for key, value in table.items():
        if key == "rules":
            settings["rules"] = tuple((path.parent / p) for p in _string_list(path, key, value))
        elif key == "format":
            if value not in FORMATS:
                raise ConfigError(f"{path}: 'format' must be one of {', '.join(FORMATS)}, not {value!r}")
            settings["format"] = value
        elif key == "exclude-kinds":
            settings["exclude_kinds"] = _string_list(path, key, value)
        elif key == "jobs":
            if _expect(path, key, value, int, "a positive integer") < 1:
                raise ConfigError(f"{path}: 'jobs' must be a positive integer, not {value!r}")
            settings["jobs"] = value
        elif key == "site-rules":
            settings["site_rules"] = _expect(path, key, value, bool, "true or false")
        elif key == "model":
            settings["model"] = _expect(path, key, value, bool, "true or false")
        elif key == "fields":
            _expect(path, key, value, dict, "a table like {text = \"content\"}")
            unknown = sorted(set(value) - set(FIELD_NAMES))
            if unknown:
                raise ConfigError(f"{path}: unknown field '{unknown[0]}' in 'fields' (known: {', '.join(FIELD_NAMES)})")
            settings["fields"] = {k: _expect(path, f"fields.{k}", v, str, "a string") for k, v in value.items()}
        else:
            raise ConfigError(f"{path}: unknown key '{key}'")
    return Config(**settings)


def load_config(start: Path | None = None) -> Config:
    """The settings in force for ``start``; an empty Config when there is no settings file."""
    found = find_config(start)
    return parse_config(*found) if found else Config()


def without_kinds(ruleset: RuleSet, kinds: tuple[str, ...] | list[str]) -> RuleSet:
    """The rule set minus every rule of these kinds; the digest says so (resume keys change)."""
    if not kinds:
        return ruleset
    import hashlib

    excluded = set(kinds)
    files = {id(f): replace(f, rules=tuple(r for r in f.rules if r.kind not in excluded)) for f in ruleset.files}

    def same(f):
        return files.get(id(f), f)

    return replace(
        ruleset,
        files=tuple(same(f) for f in ruleset.files),
        generic_rules=tuple(r for r in ruleset.generic_rules if r.kind not in excluded),
        sites=tuple(same(f) for f in ruleset.sites),
        exact_index={k: same(f) for k, f in ruleset.exact_index.items()},
        parent_index={k: same(f) for k, f in ruleset.parent_index.items()},
        digest=hashlib.sha256(f"{ruleset.digest}|without {sorted(excluded)}".encode()).hexdigest(),
    )
