"""The ``cleaner`` command. Exit codes as ruff's: 0 fine, 1 problems in the data, 2 usage or rule error."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .render import FORMATS
from .rulefile import RuleError

RULES_OPTION = click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False),
                            help="Folder of your own rule files (repeatable); yours win over shipped ones.")


def _load(rule_dirs, site_rules: bool = True):
    from .ruleset import load_ruleset

    try:
        return load_ruleset(rule_dirs, site_rules=site_rules)
    except RuleError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cleaner")
def main() -> None:
    """Clean scraped articles: residue out, article body and metadata header in."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (mirrors the input tree). Default: print to stdout.")
@click.option("-f", "--format", "fmt", type=click.Choice(list(FORMATS)), default="md", show_default=True)
@click.option("--url", help="URL of the input, when cleaning a single document.")
@RULES_OPTION
@click.option("--no-site-rules", is_flag=True, help="Use the generic packs only.")
@click.option("-q", "--quiet", is_flag=True, help="No summary line.")
def clean(paths, out_dir, fmt, url, rule_dirs, no_site_rules, quiet) -> None:
    """Clean files and folders (recursively) of scraped articles."""
    from .batch import run_batch

    ruleset = _load(rule_dirs, site_rules=not no_site_rules)
    summary = run_batch(paths, ruleset, out_dir=out_dir, fmt=fmt, url=url)
    if not quiet:
        click.echo(summary.text(), err=True)
    sys.exit(1 if summary.errors else 0)


@main.group()
def rules() -> None:
    """Inspect and test rule files."""


def _rule_files(paths, rule_dirs):
    from .rulefile import load_rule_file
    from .ruleset import load_ruleset

    try:
        if paths:
            return [load_rule_file(p, f"{Path(p).parent.name}/{Path(p).stem}")
                    for given in paths for p in (sorted(Path(given).rglob("*.yaml")) if Path(given).is_dir() else [Path(given)])]
        return list(load_ruleset(rule_dirs).files)
    except RuleError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@rules.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@RULES_OPTION
def rules_validate(paths, rule_dirs) -> None:
    """Check rule files against the schema and compile their regexes."""
    files = _rule_files(paths, rule_dirs)
    click.echo(f"{len(files)} rule files valid, {sum(len(f.rules) for f in files)} rules")


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@RULES_OPTION
def rules_test(paths, rule_dirs) -> None:
    """Run the remove/keep examples inside rule files (default: shipped and --rules folders)."""
    from .ruletest import test_files

    files = _rule_files(paths, rule_dirs)
    count, failures = test_files(files)
    for failure in failures:
        click.echo(f"FAIL {failure}")
    click.echo(f"{count - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


@rules.command("list")
@RULES_OPTION
def rules_list(rule_dirs) -> None:
    """Every loaded rule: id, kind, action, file."""
    for rule_file in _rule_files((), rule_dirs):
        for rule in rule_file.rules:
            click.echo(f"{rule.id}\t{rule.kind}\t{rule.action}\t{rule.file}:{rule.line}")
