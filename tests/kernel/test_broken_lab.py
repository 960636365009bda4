"""A lab with a wrong route gateway fails `nsgen test` on the expectation that route breaks.

The same lab with the right gateway passes, so the failure is the route's doing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nsgen.cli import run_test

pytestmark = pytest.mark.sandbox

LAB = """\
lab gateway
ns red
ns blue
bridge v-net-0 ip 192.168.15.5/24
veth red<->v-net-0 ip 192.168.15.1/24
veth blue<->v-net-0 ip 192.168.15.2/24
route blue default via {gateway}
nat masquerade 192.168.15.0/24 out eth0
expect red ping 192.168.15.2
expect blue ping 192.168.1.3
"""
BRIDGE_PING_LINE = 9
UPLINK_PING_LINE = 10


def _rows(table: str) -> dict[str, str]:
    """Table rows keyed by their WHERE column (columns are separated by two or more spaces)."""
    rows: dict[str, str] = {}
    for line in table.splitlines()[1:-1]:
        cells = re.split(r"\s{2,}", line)
        rows.setdefault(cells[2], line)
    return rows


def _test(
    tmp_path: Path, gateway: str, target: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, dict[str, str]]:
    """Write the lab with this gateway, run `nsgen test` on it; status, table, rows by WHERE."""
    path = tmp_path / "lab.ns"
    path.write_text(LAB.format(gateway=gateway), encoding="utf-8")
    status = run_test(str(path), target)
    out, _ = capsys.readouterr()
    return status, out, _rows(out)


def test_wrong_gateway_fails_on_its_line(tmp_path: Path, target: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Nobody has 192.168.15.9: blue cannot leave its subnet; red and blue still ping each other."""
    status, out, rows = _test(tmp_path, "192.168.15.9", target, capsys)
    assert status == 1, out
    assert "FAIL" in rows[f"lab.ns:{UPLINK_PING_LINE}"], out
    assert "PASS" in rows[f"lab.ns:{BRIDGE_PING_LINE}"], out
    failed = [line for line in out.splitlines() if "  FAIL  " in line]
    assert len(failed) == 1, out


def test_right_gateway_passes(tmp_path: Path, target: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The control: with the bridge's address as gateway every check passes."""
    status, out, _ = _test(tmp_path, "192.168.15.5", target, capsys)
    assert status == 0, out
