"""Every example and every golden case with `expect` lines passes `nsgen test`, for each target."""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen import labtest

pytestmark = pytest.mark.sandbox


def test_lab_passes(lab: Path, target: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Setup, expectations, idempotent setup and a clean teardown, in a fresh sandbox."""
    status = labtest.run(str(lab), target)
    out, err = capsys.readouterr()
    assert status == 0, f"nsgen test {lab} --target {target} failed:\n{out}\n{err}"
