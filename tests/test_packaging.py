"""The wheel carries the rule files, so an installed `cleaner` finds them from any folder."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_contains_rules_and_schema(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    wheel = next(tmp_path.glob("cleaner-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {p.relative_to(ROOT).as_posix() for p in (ROOT / "rules").rglob("*.yaml")}
    assert {f"cleaner/{name}" for name in shipped} <= set(names)
    assert "cleaner/rulebook/schema/rule-file.schema.json" in names
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    found = subprocess.run([sys.executable, "-c", "from cleaner.rulebook.ruleset import shipped_rules_dir; "
                            "print(shipped_rules_dir())"], capture_output=True, text=True, cwd=tmp_path,
                           env={"PYTHONPATH": str(unpacked)})
    assert found.stdout.strip() == str(unpacked / "cleaner" / "rules"), found.stderr[-2000:]


# Standard-library names cleaner uses that a Python older than the given one does not have.
ADDED_IN = {"re._parser": (3, 11), "re._constants": (3, 11), "tomllib": (3, 11)}


def test_requires_python_is_true_to_what_the_code_uses():
    import re
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    lowest = tuple(int(part) for part in re.fullmatch(r">=(\d+)\.(\d+)", declared).groups())
    code = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "cleaner").rglob("*.py"))
    used = {name for name in ADDED_IN
            if re.search(rf"^\s*(?:import {re.escape(name)}\b|from {re.escape(name)} import"
                         rf"|from {re.escape(name.rpartition('.')[0])} import {name.rpartition('.')[2]}\b)",
                         code, re.M)}
    assert used, "the table above names what cleaner imports"
    assert all(ADDED_IN[name] <= lowest for name in used), (declared, sorted(used))
