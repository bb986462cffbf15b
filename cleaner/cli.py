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
@click.option("-f", "--format", "fmt", type=click.Choice(list(FORMATS)), default=None,
              help="Output format  [default: md, or 'format' in the settings file]")
@click.option("--url", help="URL of the input, when cleaning a single document.")
@RULES_OPTION
@click.option("--no-site-rules", is_flag=True, help="Use the generic packs only.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, no summary.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes  [default: all cores, or 'jobs' in the settings file]")
@click.option("--force", is_flag=True, help="Redo every input, even those unchanged since the last run.")
@click.option("--dry-run", is_flag=True, help="Write nothing; list the outputs that would change.")
@click.option("--diff", is_flag=True, help="Write nothing; print unified diffs input -> output.")
@click.option("--in-place", is_flag=True, help="Write each output over its input (no -o).")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Write the summary and per-file rows as JSON.")
@click.option("--html-field", help="JSONL: the record field holding raw HTML  [default: html]")
@click.option("--text-field", help="JSONL: the record field holding text; it receives the clean body  [default: text]")
@click.option("--url-field", help="JSONL: the record field holding the page URL  [default: url]")
def clean(paths, out_dir, fmt, url, rule_dirs, no_site_rules, quiet, jobs, force, dry_run, diff, in_place,
          report, html_field, text_field, url_field) -> None:
    """Clean files and folders (recursively) of scraped articles."""
    import os

    from .batch import BatchOptions, run_batch
    from .config import without_kinds

    if in_place and out_dir is not None:
        raise click.UsageError("--in-place and -o/--output exclude each other")
    config = _config()
    if config.fields and not _reader_takes_fields():
        click.echo(f"error: {config.path}: 'fields' needs a JSONL reader that takes field names", err=True)
        sys.exit(2)
    ruleset = without_kinds(_load((*config.rules, *rule_dirs), site_rules=config.site_rules and not no_site_rules),
                            config.exclude_kinds)
    options = BatchOptions(out_dir=out_dir, fmt=fmt or config.format or "md", url=url,
                           jobs=jobs or config.jobs or os.cpu_count() or 1, force=force, dry_run=dry_run,
                           diff=diff, in_place=in_place, progress=not quiet and sys.stderr.isatty(),
                           read_options=_read_options(config.fields, html=html_field, text=text_field, url=url_field))
    summary = run_batch(paths, ruleset, options, report=report)
    if not quiet:
        click.echo(summary.text(), err=True)
    sys.exit(1 if summary.errors else 0)


def _read_options(configured: dict[str, str], **given: str | None) -> dict:
    """JSONL field names for read_sources: the command line's over the settings file's."""
    fields = {**configured, **{k: v for k, v in given.items() if v}}
    return {"fields": fields} if fields else {}


def _reader_takes_fields() -> bool:
    import inspect

    from .inputs import read_sources

    return "fields" in inspect.signature(read_sources).parameters


def _config():
    """The project settings file's values (exit 2 when it is broken)."""
    from .config import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def check(args) -> None:
    """Fail on residue (file:line: rule kind: text); --fix cleans in place. See cleaner check --help."""
    from .hook import main as check_main

    sys.exit(check_main(list(args)))


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


@rules.command("import-ftr")
@click.argument("src_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the converted files (the shipped set lives in rules/ftr).")
def rules_import_ftr(src_dir, out_dir) -> None:
    """Convert a FiveFilters ftr-site-config checkout into rule files (re-runnable)."""
    from .ftr import convert_dir

    click.echo(convert_dir(src_dir, out_dir).summary())


@rules.command("list")
@RULES_OPTION
def rules_list(rule_dirs) -> None:
    """Every loaded rule: id, kind, action, file."""
    for rule_file in _rule_files((), rule_dirs):
        for rule in rule_file.rules:
            click.echo(f"{rule.id}\t{rule.kind}\t{rule.action}\t{rule.file}:{rule.line}")
