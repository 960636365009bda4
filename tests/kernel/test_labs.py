"""Every example and every golden case with `expect` lines passes `nsgen test`, for each target."""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen.harness import labtest
from nsgen.compiler.styles import STYLES

pytestmark = pytest.mark.sandbox


@pytest.mark.parametrize("style", STYLES)
def test_lab_passes(lab: Path, target: str, style: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Setup, expectations, idempotent setup and a clean teardown, in a fresh sandbox, in each style."""
    status = labtest.run(str(lab), target, style)
    out, err = capsys.readouterr()
    assert status == 0, f"nsgen test {lab} --target {target} --style {style} failed:\n{out}\n{err}"
