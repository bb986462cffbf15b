"""Load, validate and compile rule files.

Rule files are data: YAML checked against ``schema/rule-file.schema.json``
(unknown keys are errors), regexes compiled with the ``regex`` module so that
every match can carry a timeout. Any problem is a :class:`RuleError` naming the
file, the line and the reason, because a rule author needs to know where to look.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field as dataclass_field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import regex

from .gates import NO_GATE, Gate, gate_for
from .selectors import Selector, file_selectors

RULE_TIMEOUT = 0.25  # seconds one regex call may take before the rule is skipped
DEFAULT_MAX_WORDS = {"drop": 20, "cut-to-end": 20, "cut-from-start": 20, "header": 80, "strip": None, "keep": None}
DEFAULT_MAX_CUT_CHARS = 2000
SCHEMA_PATH = Path(__file__).parent / "schema" / "rule-file.schema.json"
RULE_KINDS: tuple[str, ...] = tuple(json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["$defs"]["kind"]["enum"])


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """" (did you mean 'max_words'?)" for the known name closest to a misspelt one; "" when none is close."""
    import difflib

    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class RuleError(Exception):
    """A rule file that cannot be used; str() is the one-line message users see."""

    def __init__(self, path: str | Path, line: int | None, reason: str):
        self.path, self.line, self.reason = str(path), line, reason
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True, eq=False)  # identity hash: rule lists are cache keys
class Rule:
    """One compiled rule. ``id`` is qualified by its file: ``generic/sharing/share-this``."""

    id: str
    kind: str
    action: str
    pattern: regex.Pattern
    file: str
    line: int
    max_words: int | None = None
    in_first: int | None = None
    in_last: int | None = None
    field: str | None = None
    max_chars: int = DEFAULT_MAX_CUT_CHARS
    tests: dict[str, list[str]] = dataclass_field(default_factory=dict)
    gate: Gate = NO_GATE  # what a line must hold for the regex to have a chance (gates.py)

    def apply(self, line: str, words: int | None = None) -> str | None:
        """Return None when the rule does not touch ``line``, else what is left of it.

        Whole-line actions return "" (the line goes); strip returns the line
        without the fragment. ``words``: the line's word count, when the caller has it.
        Raises ``TimeoutError`` when the regex runs too long.
        """
        if self.max_words is not None and (len(line.split()) if words is None else words) > self.max_words:
            return None
        if self.action == "strip":
            stripped = self.pattern.sub("", line, timeout=RULE_TIMEOUT).strip()
            return None if stripped == line else stripped
        return "" if self.pattern.fullmatch(line, timeout=RULE_TIMEOUT) else None


@dataclass(frozen=True)
class RuleFile:
    """A generic pack or a site file, compiled."""

    name: str  # e.g. "generic/sharing", "sites/reuters.com"
    path: str
    rules: tuple[Rule, ...]
    site: str | None = None
    domains: tuple[str, ...] = ()
    subdomains: str = "include"  # include | exclude | only
    imported: str | None = None  # the importer that wrote it ("ftr"): its HTML rules then run guarded
    fingerprints: tuple[regex.Pattern, ...] = ()
    disable: frozenset[str] = frozenset()
    html: dict[str, Any] = dataclass_field(default_factory=dict)
    selectors: tuple[Selector, ...] = ()  # html.remove, then html.remove_xpath, read for the page index once

    @property
    def is_site(self) -> bool:
        return self.site is not None or bool(self.domains)


@lru_cache(maxsize=1)
def _validator():
    import jsonschema  # heavy: only when a rule file is actually validated

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _yaml_line(node: Any, path: Iterable[Any]) -> int | None:
    """1-based line of the deepest node along ``path`` that ruamel knows the position of."""
    line = None
    for key in path:
        lc = getattr(node, "lc", None)
        try:
            if lc is not None:
                line = (lc.key(key) if isinstance(key, str) else lc.item(key))[0] + 1
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
    return line


def _schema_problems(error) -> list[tuple[list[Any], str]]:
    """(path, reason) of one jsonschema error: each unknown key on its own, enum misses with did-you-mean."""
    path = list(error.absolute_path)
    where = "/".join(str(p) for p in path) or "file"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(error.schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in allowed]
        if unknown:
            return [(path + [key], f"unknown key '{key}'{did_you_mean(str(key), allowed)}") for key in unknown]
    if error.validator == "enum" and isinstance(error.instance, str) and path:
        known = error.validator_value
        return [(path, f"{where}: unknown {path[-1]} '{error.instance}'{did_you_mean(error.instance, known)} "
                       f"(one of: {', '.join(map(str, known))})")]
    return [(path, f"{where}: {error.message}")]


def schema_errors(path: Path, data: Any, validator: Any) -> list[RuleError]:
    """Every schema error of ``data``, each at its line, in file order: rule and lexicon files alike."""
    found = [RuleError(path, _yaml_line(data, where), reason)
             for error in validator.iter_errors(data) for where, reason in _schema_problems(error)]
    return sorted(found, key=lambda e: e.line or 0)


def check_schema(path: Path, data: Any, validator: Any) -> None:
    """Raise the first of :func:`schema_errors`, for loaders that stop at one."""
    errors = schema_errors(path, data, validator)
    if errors:
        raise errors[0]


MAX_REASON_CHARS = 200  # a YAML error quotes the input: keep the one line short whatever the file holds


class YAMLAliasError(ValueError):
    """A YAML alias (``*name``): refused, because a few hundred bytes of them expand to gigabytes."""

    def __init__(self, anchor: str, line: int):
        self.line = line
        super().__init__(f"YAML aliases are not allowed (*{anchor[:40]} at line {line}); write the value out")


def load_yaml(text: str, *, round_trip: bool = False) -> Any:
    """Parse YAML that holds no aliases: rule files, lexicons and front matter alike.

    ``round_trip`` keeps line numbers (ruamel's commented maps) for error
    messages; otherwise plain data. Neither loader ever builds objects.
    Raises YAMLAliasError at the first alias, before it is expanded, and
    ruamel's YAMLError for anything else.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.events import AliasEvent

    class NoAliases(Composer):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.parser.check_event(AliasEvent):
                event = self.parser.peek_event()
                raise YAMLAliasError(str(event.anchor), event.start_mark.line + 1)
            return super().compose_node(parent, index)

    yaml = YAML(typ="rt") if round_trip else YAML(typ="safe", pure=True)
    yaml.Composer = NoAliases
    return yaml.load(text)


def parse_yaml(path: Path) -> Any:
    """Parse a rule or lexicon file keeping line numbers; every problem is a one-line RuleError."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return load_yaml(path.read_text(encoding="utf-8"), round_trip=True)
    except YAMLAliasError as exc:
        raise RuleError(path, exc.line, str(exc)) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise RuleError(path, mark.line + 1 if mark else None,
                        f"invalid YAML: {str(exc.problem)[:MAX_REASON_CHARS]}") from None
    except (YAMLError, UnicodeDecodeError) as exc:
        raise RuleError(path, None, f"invalid YAML: {str(exc)[:MAX_REASON_CHARS]}") from None


def _compile(path: Path, data: Any, where: list[Any], pattern: str, ignore_case: bool) -> regex.Pattern:
    try:
        return regex.compile(pattern, regex.IGNORECASE if ignore_case else 0)
    except regex.error as exc:
        raise RuleError(path, _yaml_line(data, where), f"bad regex {pattern!r}: {exc}") from None


def _compile_rule(path: Path, name: str, data: Any, index: int) -> Rule:
    spec = data["rules"][index]
    where = ["rules", index]
    action = spec["action"]
    ignore_case = spec["case"] == "insensitive"
    return Rule(
        id=f"{name}/{spec['id']}",
        kind=spec["kind"],
        action=action,
        pattern=_compile(path, data, where + ["match"], spec["match"], ignore_case),
        file=str(path),
        line=_yaml_line(data, where) or 0,
        max_words=spec.get("max_words", DEFAULT_MAX_WORDS[action]),
        in_first=spec.get("in_first"),
        in_last=spec.get("in_last"),
        field=spec.get("field"),
        max_chars=spec.get("max_chars", DEFAULT_MAX_CUT_CHARS),
        tests={k: [str(x) for x in v] for k, v in (spec.get("tests") or {}).items()},
        gate=gate_for(spec["match"], ignore_case, whole_line=action != "strip"),
    )


def _regex_errors(path: Path, data: dict) -> list[RuleError]:
    """The bad regexes of a file whose schema failed: reported with the schema's errors, not after them."""
    found = []
    specs = data.get("rules") if isinstance(data.get("rules"), list) else []
    patterns = [(["rules", i, "match"], spec.get("match"), spec.get("case") == "insensitive")
                for i, spec in enumerate(specs) if isinstance(spec, dict)]
    fingerprints = data.get("fingerprints") if isinstance(data.get("fingerprints"), list) else []
    patterns += [(["fingerprints", i], fp, False) for i, fp in enumerate(fingerprints)]
    for where, pattern, ignore_case in patterns:
        if isinstance(pattern, str):
            try:
                _compile(path, data, where, pattern, ignore_case)
            except RuleError as exc:
                found.append(exc)
    return found


def _compiled_file(path: Path, name: str, data: dict) -> tuple[RuleFile | None, list[RuleError]]:
    """A schema-valid file compiled, or every bad regex and duplicate id in it."""
    rules, fingerprints, errors = [], [], []
    for i in range(len(data.get("rules", []))):
        try:
            rules.append(_compile_rule(path, name, data, i))
        except RuleError as exc:
            errors.append(exc)
    for i, fp in enumerate(data.get("fingerprints", [])):
        try:
            fingerprints.append(_compile(path, data, ["fingerprints", i], fp, False))
        except RuleError as exc:
            errors.append(exc)
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            errors.append(RuleError(path, rule.line, f"duplicate rule id '{rule.id.rsplit('/', 1)[-1]}'"))
        seen.add(rule.id)
    if errors:
        return None, sorted(errors, key=lambda e: e.line or 0)
    html = plain(data.get("html", {}))
    return RuleFile(
        name=name,
        path=str(path),
        rules=tuple(rules),
        site=data.get("site"),
        domains=tuple(data.get("domains", [])),
        subdomains=data.get("subdomains", "include"),
        imported=data.get("imported"),
        fingerprints=tuple(fingerprints),
        disable=frozenset(data.get("disable", [])),
        html=html,
        selectors=file_selectors(html),
    ), []


def read_rule_file(path: str | Path, name: str | None = None) -> tuple[RuleFile | None, list[RuleError]]:
    """(the compiled file, or None; every problem in it, in file order): ``rules validate`` shows them all."""
    path = Path(path)
    try:
        data = parse_yaml(path)
    except RuleError as exc:
        return None, [exc]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, [RuleError(path, 1, "a rule file is a mapping (keys like 'rules:', 'site:')")]
    errors = schema_errors(path, data, _validator())
    if errors:
        return None, sorted(errors + _regex_errors(path, data), key=lambda e: e.line or 0)
    return _compiled_file(path, name or path.stem, data)


def load_rule_file(path: str | Path, name: str | None = None) -> RuleFile:
    """Load one rule file; ``name`` qualifies its rule ids (default: the file stem). Raises its first RuleError."""
    rule_file, errors = read_rule_file(path, name)
    if rule_file is None:
        first = errors[0]
        more = f" (and {len(errors) - 1} more: cleaner rules validate {first.path})" if len(errors) > 1 else ""
        raise RuleError(first.path, first.line, first.reason + more)
    return rule_file


def is_empty(rule_file: RuleFile) -> bool:
    """A file that does nothing: no rules, no DOM rules, no fingerprints, nothing disabled."""
    return not (rule_file.rules or rule_file.html or rule_file.fingerprints or rule_file.disable)


def plain(node: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node
