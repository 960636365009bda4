"""VLANs on Linux bridges (issue 14) on the kernel: two VLANs on one Linux bridge and a trunk to a
second one (golden/bridge-vlans): same-VLAN pings pass, across the trunk too; cross-VLAN pings fail;
an untagged port (VLAN 1) reaches neither; a bridge in a namespace answers from its own VLAN. Every
target and style, setup and teardown twice where the style promises it (`nsgen test`).

These skip only where the probe of the running kernel finds bridge VLAN filtering missing (the
kernel on the machines here has none: `ip link add ... type bridge vlan_filtering 1` is refused),
and the skip names it. The control test runs everywhere: with the tags left out, the very pings
the lab expects to fail succeed, so its `no ping` lines fail because of the VLANs alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nsgen.compiler import compile_source
from nsgen.compiler.styles import STYLES
from nsgen.compiler.targets import render
from nsgen.harness import labtest
from nsgen.harness.sandbox import Sandbox, bridge_vlan_filtering_missing
from tests.conftest import ROOT
from tests.kernel.conftest import has_bridge_vlans, skip_without_features

pytestmark = pytest.mark.sandbox

LAB = ROOT / "golden" / "bridge-vlans" / "bridge-vlans.ns"
TEXT = LAB.read_text(encoding="utf-8")

SAME_VLAN = ("expect red ping 10.0.0.3", "expect blue ping 10.0.0.4", "expect pink ping 10.0.40.254",
             "expect red tcp 10.0.0.3:8080 reaches green")
"""Within one VLAN: on one bridge's ports, across the trunk, and to a bridge's own address."""
CROSS_VLAN = ("expect red no ping 10.0.0.2", "expect red no ping 10.0.0.4", "expect blue no ping 10.0.0.3",
              "expect grey no ping 10.0.0.1")
"""Across two VLANs (one subnet, so only the VLANs keep them apart), and from VLAN 1."""


def _rows(report: labtest.LabTestReport, statements: tuple[str, ...], target: str) -> list[labtest.CheckResult]:
    return [row for row in report.rows if row.statement in statements and row.target == target]


@pytest.mark.parametrize("style", STYLES)
def test_vlans_on_linux_bridges(target: str, style: str) -> None:
    """Same-VLAN pings pass and cross-VLAN pings fail (both asserted, row by row), and the lab
    sets up, tears down (and, in the guarded styles, does both again) cleanly."""
    skip_without_features(TEXT)
    report = labtest.prove_lab(TEXT, str(LAB), target, style)
    shown = "\n".join([labtest.format_table(report.rows), labtest.format_details(report.rows), report.message])
    assert report.passed, shown
    same, cross = _rows(report, SAME_VLAN, target), _rows(report, CROSS_VLAN, target)
    assert len(same) == len(SAME_VLAN) and all(row.passed for row in same), shown
    assert len(cross) == len(CROSS_VLAN) and all(row.passed for row in cross), shown


def test_the_probe_decides_the_skip() -> None:
    """The lab is one the skip applies to, and the probe answers (True here: no VLAN filtering)."""
    assert has_bridge_vlans(TEXT)
    assert isinstance(bridge_vlan_filtering_missing(), bool)


def test_without_tags_the_cross_vlan_pings_succeed() -> None:
    """The control: the same lab with its tags and trunk left out (every port in VLAN 1), on this
    kernel too. The pings the VLAN lab expects to fail now pass, so there it is the VLANs that stop them."""
    untagged = re.sub(r" (tag \d+|trunk [\d,]+)", "", TEXT)
    assert not has_bridge_vlans(untagged)
    flipped = "\n".join(line.replace(" no ping ", " ping ") if line in CROSS_VLAN else line
                        for line in untagged.splitlines()) + "\n"
    report = labtest.prove_lab(flipped, "untagged.ns", labtest.TARGETS[0])
    shown = "\n".join([labtest.format_table(report.rows), labtest.format_details(report.rows), report.message])
    assert report.passed, shown
    pings = [row for row in report.rows if row.statement.replace(" ping ", " no ping ") in CROSS_VLAN]
    assert len(pings) == len(CROSS_VLAN) and all(row.passed for row in pings), shown


def test_plan_lists_the_vlans_setup_would_add(tmp_path: Path) -> None:
    """`nsgen plan` (read-only, so it runs on any kernel): each port VLAN setup would add is a `+`
    line, with its pvid and `self`; a bridge there before the lab, not filtering VLANs, is a `~`."""
    compiled = compile_source(TEXT, str(LAB), "iptables", str(LAB))
    assert compiled.plan is not None
    script = tmp_path / "plan.sh"
    script.write_text(render(compiled.plan, "iptables", "plan"), encoding="utf-8")
    with Sandbox() as sandbox:
        made = sandbox.run(["ip", "link", "add", "name", "br0", "type", "bridge"])
        assert made.returncode == 0, made.stderr
        run = sandbox.run(["bash", str(script)], timeout=60)
    assert run.returncode == 0, run.stderr
    lines = [line.split(None, 1) for line in run.stdout.splitlines()]
    said = {rest.split("  ")[0].strip(): sign for sign, rest in lines[:-1]}
    assert said["vlan - veth-red-br 10 pvid untagged"] == "+", run.stdout
    assert said["vlan - veth-br0-br 20"] == "+", run.stdout
    assert said["vlan r1 br2 40 pvid untagged self"] == "+", run.stdout
    assert said["bridge br0 vlan_filtering"] == "~", run.stdout
    assert "bridge br1 vlan_filtering" not in said, run.stdout  # not there: it is made filtering
