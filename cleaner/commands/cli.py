"""The ``cleaner`` command. Exit codes as ruff's: 0 fine, 1 problems in the data, 2 usage or rule error."""
from __future__ import annotations

import sys
import os
from pathlib import Path

import click

from ..rulebook.rulefile import RuleError
from ..stages.render import FORMATS

RULES_OPTION = click.option("--rules", "rule_dirs", multiple=True, type=click.Path(),
                            help="Folder of your own rule files, or one rule file (repeatable); yours win over "
                                 "shipped ones.")


class PathOrURL(click.Path):
    """A local path, checked as click.Path does, or an fsspec URL (``s3://...``), passed on as a string.

    ``file://`` URLs count as local paths (batch.run_batch turns them into paths).
    """

    name = "path or URL"

    def convert(self, value, param, ctx):
        from ..batch.remote import has_protocol

        text = str(value)
        if (has_protocol(text) and not text.startswith("file://")) or (text == "-" and self.allow_dash):
            return text
        return super().convert(text[len("file://"):] if text.startswith("file://") else text, param, ctx)


NO_MODEL_OPTION = click.option("--no-model", is_flag=True,
                               help="The rules alone decide: no line model, no HTML block model (or 'model = false' in the settings).")


def _load(rule_dirs, site_rules: bool = True, model: bool = True):
    from ..rulebook.ruleset import load_ruleset

    try:
        return load_ruleset(rule_dirs, site_rules=site_rules, model=model)
    except RuleError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cleaner")
def main() -> None:
    """Clean scraped articles: residue out, article body and metadata header in."""


def _fields(given: tuple[str, ...]) -> tuple[str, ...]:
    """Field names from repeatable, comma-separated values."""
    return tuple(name.strip() for value in given for name in value.split(",") if name.strip())


def _record_fields(keep: tuple[str, ...], drop: tuple[str, ...]):
    """--keep-fields / --drop-fields as RecordFields; None for the default (the html field dropped)."""
    from ..stages.render import EVERY_FIELD, RecordFields

    if keep and drop:
        raise click.UsageError("--keep-fields and --drop-fields exclude each other")
    if keep:
        return EVERY_FIELD if _fields(keep) == ("*",) else RecordFields(keep=_fields(keep), drop=())
    return RecordFields(drop=_fields(drop)) if drop else None


def _verbosity(quiet: bool, verbose: bool) -> int:
    from ..batch.log import NORMAL, QUIET, VERBOSE

    if quiet and verbose:
        raise click.UsageError("-q/--quiet and -v/--verbose exclude each other")
    return QUIET if quiet else VERBOSE if verbose else NORMAL


@main.command()
@click.argument("paths", nargs=-1, required=True, type=PathOrURL(exists=True, allow_dash=True))
@click.option("-o", "--output", "out_dir", type=PathOrURL(file_okay=False, path_type=Path),
              help="Output folder or URL (mirrors the input tree). Default: print to stdout.")
@click.option("-f", "--format", "fmt", type=click.Choice(list(FORMATS)), default=None,
              help="Output format  [default: md (jsonl for JSONL input), or 'format' in the settings file]")
@click.option("--url", help="URL of the input, when cleaning a single document.")
@RULES_OPTION
@click.option("--no-site-rules", is_flag=True, help="Use the generic packs only.")
@NO_MODEL_OPTION
@click.option("-q", "--quiet", is_flag=True, help="Errors only: no progress bar, warnings or summary.")
@click.option("-v", "--verbose", is_flag=True, help="Every warning (default: the first few, then counts per rule).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes  [default: all cores, or 'jobs' in the settings file]")
@click.option("--force", is_flag=True, help="Redo every input, even those unchanged since the last run.")
@click.option("--dry-run", is_flag=True, help="Write nothing; list the outputs that would change (exit 1 if any).")
@click.option("--diff", is_flag=True, help="Write nothing; print unified diffs input -> output (exit 1 if any).")
@click.option("--exit-zero", is_flag=True, help="With --dry-run/--diff: exit 0 even when an output would change.")
@click.option("--in-place", is_flag=True, help="Write each output over its input (no -o).")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Write the summary and per-file rows as JSON.")
@click.option("--include", multiple=True, metavar="GLOB",
              help="Folders: only files matching this gitignore-style glob (repeatable), whatever their type.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Folders: skip files and folders matching (repeatable).")
@click.option("--no-ignore", is_flag=True, help="Folders: do not honour .gitignore files and the default excludes.")
@click.option("--html-field", help="JSONL: the record field holding raw HTML  [default: html]")
@click.option("--text-field", help="JSONL: the record field holding text; it receives the clean body  [default: text]")
@click.option("--url-field", help="JSONL: the record field holding the page URL  [default: url]")
@click.option("--keep-fields", multiple=True, metavar="F,G",
              help="JSONL: copy only these input fields to cleaned records ('*': all, html too).")
@click.option("--drop-fields", multiple=True, metavar="F,G",
              help="JSONL: do not copy these input fields  [default: the html field]")
@click.option("--engine", type=click.Choice(["local", "dask"]), default=None,
              help="local: a process pool; dask: Dask workers (pip install 'cleaner[dask]')  "
                   "[default: local, dask with --scheduler]")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler, e.g. tcp://host:8786  [default: a LocalCluster of --jobs processes]")
@click.option("--no-site-memory", is_flag=True,
              help="Do not learn and remove the lines each site repeats across the batch's pages.")
@click.option("--site-memory", "memory_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Site memory file (sqlite): read first if it exists, saved with this batch's pages added.")
def clean(paths, out_dir, fmt, url, rule_dirs, no_site_rules, no_model, quiet, verbose, jobs, force, dry_run, diff,
          exit_zero, in_place, report, include, exclude, no_ignore, html_field, text_field, url_field, keep_fields,
          drop_fields, engine, scheduler, no_site_memory, memory_file) -> None:
    """Clean files and folders (recursively) of scraped articles; '-' reads standard input."""
    from ..batch.log import QUIET, Log
    from ..batch.model import BatchError, BatchOptions, Selection
    from ..batch.run import run_batch
    from ..rulebook.ruleset import without_kinds
    from ..stages.sitememory import MemoryFileError

    if in_place and out_dir is not None:
        raise click.UsageError("--in-place and -o/--output exclude each other")
    if "-" in paths and (len(paths) > 1 or out_dir is not None or in_place):
        raise click.UsageError("'-' (standard input) is cleaned alone, to standard output: no other path, -o or --in-place")
    verbosity = _verbosity(quiet, verbose)
    config = _config()
    ruleset = without_kinds(_load((*config.rules, *rule_dirs), site_rules=config.site_rules and not no_site_rules,
                                  model=config.model and not no_model), config.exclude_kinds)
    options = BatchOptions(out_dir=out_dir, fmt=fmt or config.format, url=url,
                           jobs=jobs or config.jobs or os.cpu_count() or 1, force=force, dry_run=dry_run,
                           diff=diff, in_place=in_place, progress=verbosity > QUIET and sys.stderr.isatty(),
                           read_options=_read_options(config.fields, html=html_field, text=text_field, url=url_field),
                           select=Selection(include=include, exclude=exclude, ignore_files=not no_ignore),
                           record_fields=_record_fields(keep_fields, drop_fields),
                           site_memory=_memory_settings(config, no_site_memory, memory_file), memory_file=memory_file)
    if paths == ("-",):
        from .stream import clean_stdin

        result = clean_stdin(ruleset, options, Log(progress=False, total=0, verbosity=verbosity))
        sys.exit(1 if result.error or (result.action == "would-write" and not exit_zero) else 0)
    paths, options = _engine_options(paths, options, engine, scheduler)
    try:
        summary = run_batch(paths, ruleset, options, report=report, verbosity=verbosity)
    except (BatchError, MemoryFileError) as exc:  # output folder in use, unusable state folder or report, memory file
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if verbosity > QUIET:
        click.echo(summary.text(), err=True)
    would_change = summary.actions["would-write"] and not exit_zero
    sys.exit(1 if summary.errors or would_change else 0)


def _memory_settings(config, off: bool, memory_file: Path | None):
    """The site memory's thresholds, or None when it is off; --site-memory FILE turns it on."""
    from ..stages.sitememory import MemorySettings

    if off and memory_file is not None:
        raise click.UsageError("--site-memory and --no-site-memory exclude each other")
    if off:
        return None
    return config.site_memory or (MemorySettings() if memory_file is not None else None)


def _engine_options(paths, options, engine: str | None, scheduler: str | None):
    """(paths, options) for the engine asked for; exit 2 when a dependency it needs is missing.

    With a remote scheduler, workers do not share our working folder, so local
    paths are made absolute (outputs' ``source`` fields then show them so).
    """
    from dataclasses import replace

    from ..batch.remote import MissingDependency, has_protocol, require

    engine = engine or ("dask" if scheduler else "local")
    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler needs --engine dask")
    if scheduler:
        paths = [p if has_protocol(p) else os.path.abspath(p) for p in paths]
        if options.out_dir is not None and not has_protocol(options.out_dir):
            options = replace(options, out_dir=Path(os.path.abspath(options.out_dir)))
    try:
        if engine == "dask":
            from ..batch.dask import require as require_dask

            require_dask()
        for where in [*paths, options.out_dir]:
            if has_protocol(where):
                require(where)
    except MissingDependency as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    return paths, replace(options, engine=engine, scheduler=scheduler)


def _read_options(configured: dict[str, str], **given: str | None) -> dict:
    """JSONL field names for read_sources: the command line's over the settings file's."""
    fields = {**configured, **{k: v for k, v in given.items() if v}}
    return {"fields": fields} if fields else {}


def _config():
    """The project settings file's values (exit 2 when it is broken)."""
    from .settings import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as exc:
        for line in str(exc).splitlines():  # every problem of the file, a line each
            click.echo(f"error: {line}", err=True)
        sys.exit(2)


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def check(args) -> None:
    """Fail on residue (file:line: rule kind: text); --fix cleans in place. See cleaner check --help."""
    from .check import main as check_main

    sys.exit(check_main(list(args)))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--url", help="URL of the document (picks the site by domain).")
@RULES_OPTION
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "html"]), default="text",
              help="text: a coloured diff on a terminal, markers otherwise; html: one standalone page.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@click.option("--color/--no-color", default=None, help="Colour the text view  [default: when stdout is a terminal]")
@NO_MODEL_OPTION
@click.option("--site-memory", "memory_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A site memory file written by cleaner clean --site-memory: its removals show too.")
def explain(file, url, rule_dirs, fmt, output, color, no_model, memory_file) -> None:
    """Show FILE ('-': standard input) line by line: kept, removed (by which rule or the line model) or moved."""
    from ..stages.reading import InputError, read_sources
    from ..stages.sitememory import MemoryFileError, MemorySettings, load_memory
    from .explain import explain_source, page, plain, print_rich
    from .stream import read_stdin, stdin_sources

    config = _config()
    ruleset = _load(rule_dirs, model=config.model and not no_model)
    try:
        memory = load_memory(memory_file, config.site_memory or MemorySettings()) if memory_file else None
        sources = stdin_sources(read_stdin(), url)[1] if str(file) == "-" else read_sources(file, url=url)
        explanations = [explain_source(source, ruleset, memory) for source in sources]
    except (InputError, MemoryFileError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if fmt == "html":
        text = page(explanations)
    elif (color if color is not None else output is None and sys.stdout.isatty()):
        for explanation in explanations:
            print_rich(explanation, force_colour=bool(color))
        return
    else:
        text = "\n".join(plain(e) for e in explanations)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@main.group()
def rules() -> None:
    """Inspect, check, test and start rule files (the same loader the cleaner uses)."""


def _rule_files(paths, rule_dirs, samples=None):
    """The rule files named (files or folders), else the shipped and --rules ones; every error listed, exit 2."""
    from .ruletools import files_to_check, generic_context, validate

    try:
        context = generic_context(rule_dirs)
    except RuleError as exc:
        context, errors = [], [exc]
    else:
        errors = []
    files, found, warnings = validate(files_to_check(paths, rule_dirs), context, samples)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    for error in errors + found:
        click.echo(f"error: {error}", err=True)
    if errors or found:
        sys.exit(2)
    return files


@rules.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@RULES_OPTION
def rules_validate(paths, rule_dirs) -> None:
    """Check rule files: schema, regexes, duplicate ids, disabled ids, rules that take every line (exit 2)."""
    from .ruletools import seed_samples

    files = _rule_files(paths, rule_dirs, seed_samples())
    click.echo(f"{len(files)} rule files valid, {sum(len(f.rules) for f in files)} rules")


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@RULES_OPTION
def rules_test(paths, rule_dirs) -> None:
    """Run the remove/keep examples inside rule files (default: shipped and --rules folders)."""
    from .ruletests import test_files

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
    from ..rulebook.index import INDEX_NAME
    from .ftr import REPORT_NAME, convert_dir

    click.echo(convert_dir(src_dir, out_dir).summary())
    click.echo(f"report: {out_dir / REPORT_NAME}; index: {out_dir / INDEX_NAME}")


@rules.command("list")
@RULES_OPTION
@click.option("--site", "domain", help="Show the effective set for this domain, in the order a document meets it.")
def rules_list(rule_dirs, domain) -> None:
    """Every rule in force: id, kind, action, site, file:line (tab-separated), and what overrides what."""
    from .ruletools import all_rules, effective_rules

    ruleset = _load(rule_dirs)
    if domain is None:
        rows = all_rules(ruleset)
    else:
        site_file, rows, disabled = effective_rules(ruleset, domain.lower())
        click.echo(f"# {domain}: " + (f"site file {site_file.name} ({site_file.path})" if site_file
                                      else "no site file; generic rules only"), err=True)
        for rule in disabled:
            click.echo(f"# disabled by the site file: {rule.id} ({rule.file}:{rule.line})", err=True)
    for row in rows:
        rule = row.rule
        click.echo("\t".join([rule.id, rule.kind, rule.action, row.site, f"{rule.file}:{rule.line}", row.note]).rstrip())


@rules.command("new")
@click.argument("domain")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write  [default: rules/sites/DOMAIN.yaml]")
@click.option("--force", is_flag=True, help="Write over an existing file.")
def rules_new(domain, output, force) -> None:
    """Start a site file: a commented template for DOMAIN that validates as it is."""
    import regex

    from .ruletools import site_template

    domain = domain.lower()
    if not regex.fullmatch(r"[a-z0-9][a-z0-9.-]*\.[a-z0-9-]+", domain):
        raise click.BadParameter(f"{domain!r} is not a domain like example.com", param_hint="DOMAIN")
    output = output or Path("rules") / "sites" / f"{domain}.yaml"
    _refuse_overwrite(output, force)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(site_template(domain, str(output)), encoding="utf-8")
    click.echo(f"wrote {output}")


def _refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        click.echo(f"error: {path} exists; use --force to write over it", err=True)
        sys.exit(2)


def _why_nothing(findings, min_pages: int, min_share: float) -> str:
    """Why learn found no line to propose, in the terms of its options."""
    if findings.pages < min_pages:
        return f"{findings.pages} pages of the site read, fewer than --min-pages {min_pages}"
    if findings.candidates:
        return f"the {len(findings.candidates)} repeated lines are all removed by rules already"
    return (f"no line is on {min_pages} pages (--min-pages) and {min_share:.0%} of the "
            f"{findings.stories} stories (--min-share)")


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--site", "domain", required=True, help="The site the pages are from, e.g. example.com.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the draft  [default: rules/sites/DOMAIN.yaml]")
@click.option("--force", is_flag=True, help="Write over an existing file.")
@click.option("--min-share", type=click.FloatRange(0, 1, min_open=True), default=0.5, show_default=True,
              help="Share of the site's stories a line must be on.")
@click.option("--min-pages", type=click.IntRange(min=2), default=5, show_default=True,
              help="Pages a line must be on.")
@RULES_OPTION
def learn(folder, domain, output, force, min_share, min_pages, rule_dirs) -> None:
    """Find the template lines repeated across FOLDER's pages of one site; write a draft site file."""
    from ..stages.reading import InputError
    from .learn import check_draft, draft_yaml, find_template, read_pages, report_lines

    domain = domain.lower()
    output = output or Path("rules") / "sites" / f"{domain}.yaml"
    _refuse_overwrite(output, force)
    ruleset = _load(rule_dirs)
    try:
        pages, skipped = read_pages(folder, domain, ruleset)
    except InputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    findings = find_template(pages, ruleset, min_share=min_share, min_pages=min_pages, skipped=skipped)
    for row in report_lines(findings):
        click.echo(row)
    if not findings.proposed:
        click.echo(f"nothing to propose: {_why_nothing(findings, min_pages, min_share)}; no file written")
        return
    try:
        text = draft_yaml(domain, findings, pages, str(folder))
        rule_file = check_draft(text, domain)
    except (ValueError, RuleError) as exc:
        click.echo(f"error: the draft would not be usable: {exc}", err=True)
        sys.exit(2)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}: {len(rule_file.rules)} rules, {len(rule_file.fingerprints)} fingerprints; "
               f"review it, then run: cleaner rules test {output}")


@main.command()
@click.argument("pages", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the model (JSON); put it in RULES_DIR/models/lines.json to use it.")
@click.option("--text-field", "text_fields", multiple=True,
              help="Record field with the page's text (repeatable: each rendering is a page)  [default: text]")
@click.option("--gold-field", default="gold", show_default=True, help="Record field with the gold article text.")
@click.option("--url-field", default="url", show_default=True, help="Record field with the page URL (sites and folds).")
@click.option("--html-field", default="html", show_default=True,
              help="Record field with raw HTML, used when the text field is missing.")
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True, help="Cross-validation folds (by site).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the learner.")
@click.option("--c", "c", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Inverse regularisation strength of the logistic regression.")
@click.option("--max-lost", type=click.FloatRange(0, 1), default=0.02, show_default=True,
              help="Gold paragraphs the decision may lose, beyond keeping every line (cross-validated share).")
@click.option("--min-lines", type=click.IntRange(min=1), default=8, show_default=True,
              help="Pages with fewer kept lines are left alone.")
@click.option("--min-short-share", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Pages with a smaller share of short lines (under 6 words) are left alone.")
@click.option("--version", "model_version", default="1", show_default=True, help="Version recorded in the model file.")
@click.option("--also-without-url", "without_url", is_flag=True,
              help="Train on each page with a URL a second time without it, for text files that come without one.")
@click.option("--html", is_flag=True,
              help="Train the HTML block model (RULES_DIR/models/blocks.json) on the records' raw HTML instead.")
@RULES_OPTION
def train(pages, output, text_fields, gold_field, url_field, html_field, folds, seed, c, max_lost, min_lines,
          min_short_share, model_version, without_url, html, rule_dirs) -> None:
    """Train the line model on JSONL(.gz) PAGES that carry a page's text (or HTML) and its gold article text.

    With --html, the block model that judges the HTML stage's candidates, on the records' HTML field.
    """
    from .train import TrainOptions, main_command

    options = TrainOptions(text_fields=tuple(text_fields) or ("text",), gold_field=gold_field, url_field=url_field,
                           html_field=html_field, folds=folds, seed=seed, c=c, max_lost=max_lost,
                           min_lines=min_lines, min_short_share=min_short_share, version=model_version,
                           without_url=without_url)
    sys.exit(main_command(pages, output, _load(rule_dirs, model=False), options, html=html))
