"""A large JSONL file is cleaned in record ranges over all workers, and comes out as if cleaned whole."""
from __future__ import annotations

import io
import json
import random

import pytest

from cleaner.batch import join, pool
from cleaner.batch.model import BatchOptions
from cleaner.batch.run import run_batch
from conftest import SEEDS, SEED_STEMS


def write_crawl(path, records: int = 120) -> None:
    rng = random.Random(3)
    raws = [(SEEDS / "raw" / f"{stem}.txt").read_text(encoding="utf-8") for stem in SEED_STEMS]
    lines = [json.dumps({"id": i, "url": f"https://example.org/{i}", "text": rng.choice(raws)}) for i in range(records)]
    lines[40] = "{not json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def clean(tmp_path, ruleset, out: str, **options):
    log = io.StringIO()
    summary = run_batch([tmp_path / "in"], ruleset, BatchOptions(out_dir=tmp_path / out, **options), log=log)
    return summary, log.getvalue()


@pytest.fixture
def crawl(tmp_path, ruleset):
    write_crawl(tmp_path / "in" / "crawl.jsonl")
    whole, whole_log = clean(tmp_path, ruleset, "whole", jobs=1)  # below PART_BYTES: one task
    return tmp_path, (tmp_path / "whole" / "crawl.jsonl").read_bytes(), whole, whole_log


def test_parts_on_the_local_pool_give_the_whole_files_bytes(crawl, ruleset, monkeypatch):
    tmp_path, want, whole, whole_log = crawl
    planned = []
    plan = join.plan_record_ranges
    monkeypatch.setattr(join, "PART_BYTES", 20_000)
    monkeypatch.setattr(join, "plan_record_ranges", lambda *args: planned.append(plan(*args)) or planned[-1])
    summary, log = clean(tmp_path, ruleset, "parts", jobs=2)
    assert len(planned[0][1]) > 5  # really split
    assert (tmp_path / "parts" / "crawl.jsonl").read_bytes() == want
    assert summary.actions == {"written": 1}
    assert summary.removed_by_kind() == whole.removed_by_kind()
    assert log.count("crawl.jsonl:41: bad JSON") == 1 == whole_log.count("crawl.jsonl:41: bad JSON")
    assert not list((tmp_path / "parts").glob(".*.tmp"))


def test_a_rerun_skips_the_split_file_without_reading_it_in_a_worker(crawl, ruleset, monkeypatch):
    tmp_path, _, _, _ = crawl
    monkeypatch.setattr(join, "PART_BYTES", 20_000)
    clean(tmp_path, ruleset, "parts", jobs=1)
    count = pool.process_file  # site memory's count pass reads it again; only cleaning it would be a failure
    monkeypatch.setattr(pool, "process_file", lambda task, rules, options: count(task, rules, options)
                        if options.counting else pytest.fail("a worker was asked to clean it again"))
    summary, _ = clean(tmp_path, ruleset, "parts", jobs=1)
    assert summary.actions == {"skipped": 1}


def test_parts_on_a_local_cluster_give_the_whole_files_bytes(crawl, ruleset, monkeypatch):
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    tmp_path, want, _, _ = crawl
    monkeypatch.setattr(join, "PART_BYTES", 20_000)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        summary, _ = clean(tmp_path, ruleset, "dask", engine="dask", scheduler=cluster.scheduler_address)
    assert (tmp_path / "dask" / "crawl.jsonl").read_bytes() == want
    assert summary.actions == {"written": 1}
