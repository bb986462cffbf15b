"""Site memory in a batch: the same outputs whatever -j, engine and input order; resume; the memory file."""
from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.batch.model import BatchOptions
from cleaner.batch.run import run_batch
from cleaner.commands.cli import main
from site_corpus import site_pages

RECORDS = site_pages(sites=2, pages=8, seed=11)
RULE = "site-memory/site000.example"


def write_inputs(folder: Path, records: list[dict], files: int = 4) -> None:
    """``records`` spread over ``files`` JSONL files, in the order given."""
    folder.mkdir(parents=True)
    for number in range(files):
        chunk = records[number::files]
        (folder / f"part{number}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in chunk), encoding="utf-8")


def outputs_by_id(folder: Path) -> dict[str, str]:
    """Every cleaned record, by its id, as the output line holds it but for ``source`` (where it was read)."""
    found = {}
    for path in folder.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            del record["cleaner"]["metadata"]["source"]
            found[record["id"]] = json.dumps(record, ensure_ascii=False)
    return found


def clean(inputs: Path, out: Path, ruleset, **options):
    log = io.StringIO()
    summary = run_batch([inputs], ruleset, BatchOptions(out_dir=out, fmt="jsonl", **options), log=log)
    assert not summary.errors, log.getvalue()
    return summary


@pytest.fixture(scope="module")
def rules(ruleset):
    """The shipped rules without the line model, which takes much of the template itself (memory goes after it)."""
    return replace(ruleset, model=None)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, rules) -> dict[str, str]:
    base = tmp_path_factory.mktemp("memory")
    write_inputs(base / "in", RECORDS)
    clean(base / "in", base / "out", rules, jobs=1)
    return outputs_by_id(base / "out")


def test_the_batch_removes_each_sites_template(reference):
    record = json.loads(reference["site000-0"])
    taken = [r for r in record["cleaner"]["removals"] if r["rule"] == RULE]
    assert {"text": "Site000 Daily", "rule": RULE, "kind": "template", "action": "drop", "line": 1,
            "reasons": ["seen on 8 of 8 pages", "8 of 8 stories"]} in taken
    for original in RECORDS:
        body = json.loads(reference[original["id"]])["text"]
        assert all(paragraph in body for paragraph in original["gold"].split("\n\n"))


@pytest.mark.parametrize("how", ["j2", "dask", "shuffled"])
def test_outputs_are_the_same_whatever_jobs_engine_and_order(how, reference, tmp_path, rules):
    records = list(RECORDS)
    options: dict = {"jobs": 1}
    if how == "j2":
        options = {"jobs": 2}
    elif how == "dask":
        pytest.importorskip("distributed")
        options = {"jobs": 2, "engine": "dask"}
    else:
        random.Random(2).shuffle(records)
    write_inputs(tmp_path / "in", records, files=3 if how == "shuffled" else 4)
    clean(tmp_path / "in", tmp_path / "out", rules, **options)
    assert outputs_by_id(tmp_path / "out") == reference


def test_no_site_memory_leaves_the_template(tmp_path, ruleset):
    write_inputs(tmp_path / "in", RECORDS)
    clean(tmp_path / "in", tmp_path / "out", ruleset, site_memory=None)
    found = outputs_by_id(tmp_path / "out")
    assert len(found) == len(RECORDS) and not [line for line in found.values() if "site-memory/" in line]


def test_a_changed_memory_redoes_the_files_of_its_site_only(tmp_path, ruleset):
    ruleset = replace(ruleset, model=None)  # the memory alone takes the template: its removals change the outputs
    by_site = {site: [r for r in RECORDS if r["id"].startswith(site)] for site in ("site000", "site001")}
    inputs = tmp_path / "in"
    inputs.mkdir()
    for site, records in by_site.items():
        (inputs / f"{site}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    clean(inputs, tmp_path / "out", ruleset)
    assert clean(inputs, tmp_path / "out", ruleset).actions == {"skipped": 2}
    extra = site_pages(sites=1, pages=9, seed=11)[8]  # a ninth page of site000: its counts change
    (inputs / "site000-more.jsonl").write_text(json.dumps(extra) + "\n", encoding="utf-8")
    summary = clean(inputs, tmp_path / "out", ruleset)
    assert summary.actions == {"written": 2, "skipped": 1}  # site000's two files; site001's is untouched
    assert "seen on 9 of 9 pages" in (tmp_path / "out" / "site000.jsonl").read_text(encoding="utf-8")
    assert clean(inputs, tmp_path / "out", ruleset, site_memory=None).actions == {"written": 3}


def _print(*args: str) -> str:
    """What ``cleaner clean`` prints, run as a user runs it."""
    done = subprocess.run([sys.executable, "-m", "cleaner", "clean", "-q", "-f", "txt", "--no-model", *args],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_saved_memory_cleans_a_single_page_from_the_first_run(tmp_path):
    write_inputs(tmp_path / "crawl", RECORDS)
    page = tmp_path / "today" / "page.txt"
    page.parent.mkdir()
    page.write_text(RECORDS[0]["text"], encoding="utf-8")
    url = RECORDS[0]["url"]
    memory = tmp_path / "memory.sqlite"
    first = CliRunner().invoke(main, ["clean", str(tmp_path / "crawl"), "-o", str(tmp_path / "out"), "-q",
                                      "--site-memory", str(memory)])
    assert first.exit_code == 0, first.output
    assert memory.is_file()
    assert "Site000 Daily" in _print(str(page), "--url", url)  # one page alone teaches nothing
    reused = _print(str(page), "--url", url, "--site-memory", str(memory))
    assert "Site000 Daily" not in reused and RECORDS[0]["gold"].split("\n\n")[0] in reused
    explained = CliRunner().invoke(main, ["explain", str(page), "--url", url, "--no-model", "--no-color",
                                          "--site-memory", str(memory)])
    assert explained.exit_code == 0, explained.output
    assert "- Site000 Daily    <- template: site-memory/site000.example (seen on 8 of 8 pages, 8 of 8 stories)" \
        in explained.output


def test_a_broken_memory_file_is_one_line_and_exit_2(tmp_path):
    write_inputs(tmp_path / "in", RECORDS)
    bad = tmp_path / "memory.sqlite"
    bad.write_text("not a database", encoding="utf-8")
    result = CliRunner().invoke(main, ["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"),
                                       "--site-memory", str(bad)])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {bad}: not a site-memory file (file is not a database)"
    both = CliRunner().invoke(main, ["clean", str(tmp_path / "in"), "--site-memory", str(bad), "--no-site-memory"])
    assert both.exit_code == 2 and "exclude each other" in both.output
