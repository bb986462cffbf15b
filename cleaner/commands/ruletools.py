"""What ``cleaner rules list|validate|new`` show and check, from the same loader the cleaner uses.

Precedence is resolved in one place (ruleset.build_ruleset) and applied in one
place (pipeline.active_rules); this module only makes it visible: which rule
won an id, which generic rules a site file switches off, and the effective,
ordered set of rules a document of a given site meets.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..rulebook.examples import takes_every_line
from ..rulebook.rulefile import Rule, RuleError, RuleFile, did_you_mean, is_empty, load_rule_file, read_rule_file
from ..rulebook.ruleset import RuleSet, qualified_name, rule_files, shipped_rules_dir
from ..rulebook.textform import normalise
from ..rulebook.site import SiteMatch
from ..stages.pipeline import active_rules


@dataclass(frozen=True)
class Listed:
    """One row of ``rules list``."""

    rule: Rule
    site: str  # "-" for generic rules
    note: str = ""  # e.g. "overrides rules/generic/sharing.yaml:6"


def _site_label(rule_file: RuleFile) -> str:
    return rule_file.site or (rule_file.domains[0] if rule_file.domains else rule_file.name)


def _overridden(ruleset: RuleSet, winner: Rule) -> list[Rule]:
    """Rules of lower-precedence files with the same qualified id as ``winner``."""
    return [rule for f in ruleset.files for rule in f.rules if rule.id == winner.id and rule is not winner]


def all_rules(ruleset: RuleSet) -> list[Listed]:
    """Every rule in force: the winning generic rules, then every loaded site file's rules."""
    rows = []
    for rule in ruleset.generic_rules:
        lost = _overridden(ruleset, rule)
        rows.append(Listed(rule, "-", f"overrides {lost[0].file}:{lost[0].line}" if lost else ""))
    for site_file in ruleset.sites:
        rows += [Listed(rule, _site_label(site_file)) for rule in site_file.rules]
    return rows


def effective_rules(ruleset: RuleSet, domain: str) -> tuple[RuleFile | None, list[Listed], list[Rule]]:
    """(site file, rules in the order a document of ``domain`` meets them, generic rules it disables)."""
    found = ruleset.site_for_host(domain)
    if found is None:
        return None, [Listed(rule, "-") for rule in ruleset.generic_rules], []
    site_file, matched = found
    rules = active_rules(ruleset, [SiteMatch(site_file, f"domain {matched}")])
    rows = [Listed(rule, _site_label(site_file) if rule.file == site_file.path else "-") for rule in rules]
    return site_file, rows, [rule for rule in ruleset.generic_rules if rule.id in site_file.disable]


def files_to_check(paths: Iterable[str | Path], user_dirs: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """(path, qualified name) of the given files and folders, or of the shipped and --rules files.

    A folder's ``lexicons/`` holds no rule files: the rule set's loader reads those (rulebook/lexicons.py).
    """
    paths = list(paths)
    if not paths:
        return [(path, name) for path, name, _ in rule_files(user_dirs)]
    found = []
    for given in map(Path, paths):
        listed = [p for p in sorted(given.rglob("*.yaml")) if p.parent.name != "lexicons"] if given.is_dir() else [given]
        found += [(path, qualified_name(path)) for path in listed]
    return found


def validate(entries: list[tuple[Path, str]], context: list[RuleFile] = (),
             samples: list[list[str]] | None = None) -> tuple[list[RuleFile], list[RuleError], list[str]]:
    """Load every file (schema, regexes, duplicate ids): (files, every error of every file, warnings).

    Also refuses a ``disable`` naming no rule of the generic packs in ``context``
    or in the files checked (a typo there would silently keep the rule on),
    and, given ``samples`` (texts as lines: ``rules validate`` gives the
    bundled seeds), a rule that takes every line of its own ``keep`` examples
    or of every sample: such a rule would empty documents (``rules test``
    reports the examples one by one instead). A file that does nothing is
    warned about.
    """
    loaded, errors, warnings = [], [], []
    for path, name in entries:
        rule_file, found = read_rule_file(path, name)
        errors += found
        if rule_file is None:
            continue
        loaded.append(rule_file)
        errors += _too_broad(rule_file, samples) if samples is not None else []
        if is_empty(rule_file):
            warnings.append(f"{path}: empty rule file: no rules, html rules, fingerprints or disable; it does nothing")
    known = {rule.id for f in (*context, *loaded) if not f.is_site for rule in f.rules}
    for rule_file in loaded:
        for rule_id in sorted(rule_file.disable - known):
            errors.append(RuleError(rule_file.path, _disable_line(rule_file.path, rule_id),
                                    f"disable: no generic rule '{rule_id}' (ids are qualified: generic/<pack>/<id>)"
                                    f"{did_you_mean(rule_id, known)}"))
    return loaded, errors, warnings


def _too_broad(rule_file: RuleFile, samples: list[list[str]]) -> list[RuleError]:
    """A RuleError for each rule that takes every line of its keep examples, or of every sample text."""
    found = []
    for rule in rule_file.rules:
        if takes_every_line(rule, rule.tests.get("keep", [])):
            found.append(RuleError(rule.file, rule.line, f"rule '{rule.id}' matches every line of its own keep: "
                                                         "examples: it would take article text"))
        elif samples and all(takes_every_line(rule, lines) for lines in samples):
            found.append(RuleError(rule.file, rule.line, f"rule '{rule.id}' removes every line of the bundled "
                                                         "seed articles: it would empty documents"))
    return found


def seed_samples() -> list[list[str]]:
    """The non-empty normalised lines of each bundled seed article (none in an installed wheel)."""
    folder = shipped_rules_dir().parent / "fixtures" / "seeds" / "raw"
    return [[line for line in normalise(path.read_text(encoding="utf-8")).split("\n") if line]
            for path in sorted(folder.glob("*.txt"))]


def _disable_line(path: str, rule_id: str) -> int | None:
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if rule_id in line:
            return number
    return None


def generic_context(user_dirs: Iterable[str | Path]) -> list[RuleFile]:
    """The generic packs a site file may disable rules of: shipped and the user's folders."""
    return [load_rule_file(path, name) for path, name, _ in rule_files(user_dirs) if name.startswith("generic/")]


SITE_TEMPLATE = """\
# Site file for {domain}. Validate with `cleaner rules validate {path}`,
# run its examples with `cleaner rules test {path}`, see it applied with
# `cleaner explain PAGE --url https://{domain}/... --rules <folder above sites/>`.
description: Residue of {domain} pages.
site: {domain}
# Matched by URL; parent domains are walked, so www.{domain} is covered too.
domains: [{domain}]
# Regexes searched in the text when no URL is known. A hit picks this file,
# so make them distinctive (a line only this site prints), e.g.:
# fingerprints:
#   - '(?m)^Copyright \\d+ {domain}$'
# Generic rules to switch off for this site, by qualified id (see `cleaner rules list`):
# disable: [generic/sharing/share-label]
rules: []
# Each rule drops (or strips, cuts, moves to the header) whole normalised lines.
# Replace `rules: []` above with a list like this one, and give every rule lines
# it must remove and lines it must keep:
# --- example rule
# rules:
#   - id: promo-app
#     kind: newsletter        # share, ad, comments, navigation, related, bio, newsletter, ...
#     action: drop            # drop | strip | cut-to-end | cut-from-start | header (with field:)
#     match: 'get the {name} app(?: for (?:ios|android))?\\.?'
#     case: insensitive
#     max_words: 10           # residue lines are short; longer lines never match
#     in_last: 10             # only near the end of the page
#     tests:
#       remove: ['Get the {name} app for Android.']
#       keep: ['The {name} app was downloaded a million times, the company said.']
# --- end
"""


def site_template(domain: str, path: str) -> str:
    """A commented site file for ``domain`` that validates as it is (no rules yet)."""
    return SITE_TEMPLATE.format(domain=domain, path=path, name=domain.split(".")[0])
