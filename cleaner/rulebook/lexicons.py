"""The words the metadata grammar and ``cleaner learn`` read, as data: ``rules/lexicons/*.yaml``.

News agencies, month names, credit roles, byline and author-label words and the cues of a
page's type are English (or schema.org), not code: kept in files, they can
be extended from a ``--rules`` folder (``DIR/lexicons/NAME.yaml`` adds to
the shipped list; with ``replace: true`` it replaces it) without touching the grammar. Each file is checked against
``schema/lexicon.schema.json`` (unknown keys are errors) and a broken one is
a RuleError naming its file and line, as for rule files. The loaded lexicons
travel inside the RuleSet, so the compiled-rules cache holds them too.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import regex

from .rulefile import RuleError, check_schema, parse_yaml, plain

SCHEMA_PATH = Path(__file__).parent / "schema" / "lexicon.schema.json"
NAMES = ("agencies", "months", "credit-roles", "name-particles", "byline", "author-labels", "kind-hints", "url-words",
         "page-types-schema", "page-types-og", "page-types-url", "page-types-cues", "languages")

Words = tuple[str, ...]
Groups = tuple[tuple[str, Words], ...]


@dataclass(frozen=True)
class Lexicons:
    """Every lexicon after the user's files extended or replaced the shipped ones.

    Hashable by value, so a stage can cache the patterns it compiles from one.
    """

    agencies: Groups  # agency name as the header gives it -> the spellings that name it
    months: Words
    credit_roles: Groups  # authors | editors | qualifiers -> words
    name_particles: Words
    byline: Words
    author_labels: Words  # words of labels an author search finds ("Written By", "View more posts"), never a name's
    kind_hints: Groups  # kind -> keyword regexes, first match wins
    url_words: Words  # words of a URL path that name no story (the line model's headline anchor skips them)
    page_types_schema: Groups  # page type -> schema.org types (stages/pagetype.py)
    page_types_og: Groups  # page type -> og:type values
    page_types_url: Groups  # page type -> URL regexes
    page_types_cues: Groups  # page type -> regexes of what its visible text shows
    languages: Groups  # ISO 639-1 code -> jusText stoplists (the guess of a page's lang)
    digest: str = ""  # over every file read: part of the RuleSet's digest


def lexicon_files(shipped_dir: Path, user_dirs: Iterable[str | Path] = ()) -> list[tuple[Path, str, int]]:
    """(path, name, precedence) of the shipped lexicons, then of each user folder's ``lexicons/``."""
    entries = [(shipped_dir / "lexicons" / f"{name}.yaml", f"lexicons/{name}", 1) for name in NAMES]
    for rank, folder in enumerate(user_dirs, start=2):
        entries += [(path, f"lexicons/{path.stem}", rank) for path in sorted((Path(folder) / "lexicons").glob("*.yaml"))]
    return entries


@lru_cache(maxsize=None)
def _validator(name: str) -> Any:
    import jsonschema  # heavy: only when a lexicon is actually read (the rules cache usually answers)

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": schema["$defs"]})


def read_lexicon(path: Path, name: str) -> dict[str, Any]:
    """One lexicon file as plain data, checked against its schema. Raises RuleError."""
    if name not in NAMES:
        raise RuleError(path, None, f"unknown lexicon '{name}' (known: {', '.join(NAMES)})")
    data = parse_yaml(path)
    if not isinstance(data, dict):
        raise RuleError(path, 1, "a lexicon file is a mapping (keys 'description:', 'entries:')")
    check_schema(path, data, _validator(name))
    return plain(data)


def _extend(old: Any, new: Any) -> Any:
    """``old`` with ``new``'s words added after its own; groups are extended one by one, new groups last."""
    if isinstance(old, list):
        return old + [word for word in new if word not in old]
    merged = dict(old)
    for key, words in new.items():
        merged[key] = _extend(merged.get(key, []), words)
    return merged


def _frozen(entries: Any) -> Any:
    if isinstance(entries, dict):
        return tuple((key, tuple(words)) for key, words in entries.items())
    return tuple(entries)


def load_lexicons(entries: list[tuple[Path, str, int]]) -> Lexicons:
    """Read the files of :func:`lexicon_files` in order, each extending (or replacing) the one before."""
    merged: dict[str, Any] = {}
    digest = hashlib.sha256()
    for path, qualified, rank in entries:
        name = qualified.split("/", 1)[1]
        data = read_lexicon(path, name)
        replaces = data.get("replace") or name not in merged
        merged[name] = data["entries"] if replaces else _extend(merged[name], data["entries"])
        digest.update(f"{qualified}:{rank}:{path}\n".encode())
        digest.update(path.read_bytes())
    fields = {name.replace("-", "_"): _frozen(merged[name]) for name in NAMES}
    return Lexicons(**fields, digest=digest.hexdigest())


@lru_cache(maxsize=64)
def keyword_pattern(words: Words) -> regex.Pattern:
    """Keyword regexes as one pattern matching any of them as whole words, in any case."""
    return regex.compile(rf"\b(?:{'|'.join(words)})\b", regex.IGNORECASE)


def kind_patterns(hints: Groups) -> tuple[tuple[str, regex.Pattern], ...]:
    """One compiled pattern per kind of ``kind-hints``, in the file's order."""
    return tuple((kind, keyword_pattern(words)) for kind, words in hints)


def any_hint_pattern(hints: Groups) -> regex.Pattern:
    """One pattern for every kind's keywords: whether a line names any kind at all."""
    return keyword_pattern(tuple(word for _, words in hints for word in words))
