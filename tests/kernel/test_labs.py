"""Every example and every golden case with `expect` lines passes `nsgen test`, for each target and style."""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen.compiler.styles import STYLES
from nsgen.harness import labtest
from tests.kernel.conftest import skip_without_features
from tests.test_cli import Run, run_as_process, run_in_process

pytestmark = pytest.mark.sandbox

SMALL_LAB = """\
ns red
ns blue
veth red<->blue ip 10.0.0.1/30, 10.0.0.2/30
expect red ping 10.0.0.2
expect blue no ping 10.0.0.9
"""


@pytest.mark.parametrize("style", STYLES)
def test_lab_passes(lab: Path, target: str, style: str) -> None:
    """Setup, expectations and a clean teardown, in a fresh sandbox, in each style; setup and
    teardown run twice, and the state is compared, in the styles that promise that. A lab with an
    Open vSwitch bridge skips only where the probe finds Open vSwitch missing, naming what is."""
    text = lab.read_text(encoding="utf-8")
    skip_without_features(text)
    report = labtest.prove_lab(text, str(lab), target, style)
    shown = "\n".join([labtest.format_table(report.rows), labtest.format_details(report.rows), report.message])
    assert report.passed, f"nsgen test {lab} --target {target} --style {style} failed:\n{shown}"
    checks = {row.check for row in report.rows}
    assert {"setup", "teardown"} <= checks
    assert ("setup again" in checks) == ("teardown again" in checks) == (style in labtest.RERUN_STYLES), shown


def test_failing_expectation_is_a_failed_report() -> None:
    """A lab whose expectation cannot hold: outcome FAILED, that row FAIL, the others PASS."""
    lab = SMALL_LAB.replace("expect blue no ping 10.0.0.9", "expect blue ping 10.0.0.9")
    report = labtest.prove_lab(lab, "small.ns", labtest.TARGETS[0])
    assert report.outcome is labtest.Outcome.FAILED
    failed = [row for row in report.rows if not row.passed]
    assert [(row.where, row.statement) for row in failed] == [("small.ns:5", "expect blue ping 10.0.0.9")]


@pytest.mark.parametrize("run", [run_in_process, run_as_process], ids=["in-process", "process"])
def test_nsgen_test_reads_standard_input(run: Run) -> None:
    """`nsgen test -t nft -` proves the lab it reads from stdin; the table names it <stdin>."""
    out = run("test", "-t", "nft", "-", input=SMALL_LAB)
    assert out.code == 0, out.stdout + out.stderr
    assert "<stdin>:4" in out.stdout and out.stdout.rstrip().endswith("0 failed")
