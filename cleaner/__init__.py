"""cleaner: scraped articles in, clean article bodies with a metadata header out.

Python API::

    from cleaner import clean_text
    doc = clean_text(raw_text, url="https://www.reuters.com/...")
    doc.body, doc.metadata, doc.removals
"""
from __future__ import annotations

import importlib

from .version import __version__

__all__ = ["__version__", "clean_text", "load_ruleset", "Document", "Removal", "Source", "RuleSet", "RuleError"]

# Imported on first use (PEP 562): ``cleaner check`` on a clean file must not pay for the engine.
_LAZY = {"Document": "stages.document", "Removal": "stages.document", "Source": "stages.document",
         "RuleError": "rulebook.rulefile", "RuleSet": "rulebook.ruleset", "load_ruleset": "rulebook.ruleset"}
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Iterable

    from .rulebook.ruleset import RuleSet
    from .stages.document import Document

_default_rules: RuleSet | None = None


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def clean_text(text: str, url: str | None = None, rules: RuleSet | Iterable[str | Path] | None = None) -> Document:
    """Clean one scraped text. ``rules``: a loaded RuleSet, or folders of user rules added to the shipped ones."""
    from .rulebook.ruleset import RuleSet, load_ruleset
    from .stages.pipeline import clean_source
    from .stages.reading import source_from_text

    global _default_rules
    if rules is None:
        if _default_rules is None:
            _default_rules = load_ruleset()
        ruleset = _default_rules
    elif isinstance(rules, RuleSet):
        ruleset = rules
    else:
        ruleset = load_ruleset(list(rules))
    return clean_source(source_from_text(text, url=url), ruleset)
