"""Open vSwitch (issue 14) on the kernel, in a sandbox running its own ovsdb-server and
ovs-vswitchd (userspace datapath here: this kernel has no openvswitch module): access ports of one
VLAN reach each other and those of another do not, a trunk between two switches carries both
VLANs and keeps them apart, TCP works, setup runs twice, teardown leaves no bridge or port of the
lab and leaves a switch that was there before (and its own ports) alone, a failure half-way rolls
back what the run made, and without a reachable database setup stops in its preflight.

Each test skips only where the probe finds Open vSwitch's commands missing, and names them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nsgen.compiler import compile_source
from nsgen.compiler.plan import LabPlan
from nsgen.compiler.styles import GUARDED_STYLES, STYLES
from nsgen.harness.labtest import check_expectation
from nsgen.harness.sandbox import Sandbox, ovs_missing
from nsgen.harness.snapshot import State
from tests.conftest import ROOT
from tests.scriptcheck import write_scripts

pytestmark = pytest.mark.sandbox

VLANS = (ROOT / "examples" / "ovs-vlans.ns").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _ovs_installed() -> None:
    missing = ovs_missing()
    if missing:
        pytest.skip(f"Open vSwitch is not installed here: {missing} missing (apt-get install openvswitch-switch)")


def _plan(text: str, target: str) -> LabPlan:
    result = compile_source(text, "lab.ns", target, "lab.ns")
    assert result.plan is not None, result.diagnostics
    return result.plan


def _run(sandbox: Sandbox, script: Path) -> str:
    run = sandbox.run(["bash", str(script)], timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stderr


def _vsctl(sandbox: Sandbox, *words: str) -> str:
    run = sandbox.run(["ovs-vsctl", "--timeout=10", *words])
    assert run.returncode == 0, run.stderr
    return run.stdout


def _changes_after(sandbox: Sandbox, before: State, seconds: float = 5.0) -> list[str]:
    """What differs from `before`, polled for a few seconds: the kernel removes the host ends of
    veths whose namespaces went in the background (the plain style does not wait for that)."""
    deadline = time.monotonic() + seconds
    while True:
        changes = before.diff(sandbox.snapshot())
        if not changes or time.monotonic() >= deadline:
            return changes
        time.sleep(0.1)


def _ports(sandbox: Sandbox) -> set[str]:
    bridges = _vsctl(sandbox, "list-br").split()
    return {port for bridge in bridges for port in _vsctl(sandbox, "list-ports", bridge).split()}


@pytest.mark.parametrize("style", STYLES)
def test_vlans_and_a_trunk(target: str, style: str, tmp_path: Path) -> None:
    """Every `expect` of examples/ovs-vlans.ns holds (same VLAN pings, across the trunk too; other
    VLANs do not; TCP connects); the script says which datapath; teardown removes every bridge and
    port of the lab and restores the network state."""
    plan = _plan(VLANS, target)
    setup, down = write_scripts(VLANS, "lab.ns", style, tmp_path, target, "lab.ns")
    with Sandbox(ovs=True) as sandbox:
        before = sandbox.snapshot()
        said = _run(sandbox, setup)
        assert "datapath: netdev" in said or "the netdev datapath" in said, said
        if style in GUARDED_STYLES:
            _run(sandbox, setup)  # a second run changes nothing, and fails nowhere
        assert sorted(_vsctl(sandbox, "list-br").split()) == ["sw0", "sw1"]
        assert _vsctl(sandbox, "get", "port", "veth-red-br", "tag").strip() == "10"
        assert _vsctl(sandbox, "get", "port", "veth-sw1-br", "trunks").strip() == "[10, 20]"
        assert _vsctl(sandbox, "get", "bridge", "sw0", "datapath_type").strip() == "netdev"
        for expectation in plan.expectations:
            result = check_expectation(sandbox, target, expectation)
            assert result.passed, f"{expectation.origin.comment}: {result.reason}"
        _run(sandbox, down)
        assert _vsctl(sandbox, "list-br").split() == []
        changes = _changes_after(sandbox, before)
        assert not changes, "teardown did not restore the sandbox:\n" + "\n".join(changes)


@pytest.mark.parametrize("style", STYLES)
def test_a_switch_that_was_there_before_is_left_alone(target: str, style: str, tmp_path: Path) -> None:
    """A switch the lab did not make is used (its datapath kept), and teardown removes only the
    lab's ports from it: the switch and its own port stay."""
    lab = "bridge sw0 type ovs\nns red\nns blue\nveth red<->sw0 ip 10.0.0.1/24 tag 10\n" \
          "veth blue<->sw0 ip 10.0.0.2/24 tag 10\n"
    plan_text = lab + "expect red ping 10.0.0.2\n"
    setup, down = write_scripts(plan_text, "lab.ns", style, tmp_path, target, "lab.ns")
    with Sandbox(ovs=True) as sandbox:
        _vsctl(sandbox, "add-br", "sw0", "--", "set", "bridge", "sw0", "datapath_type=netdev",
               "--", "add-port", "sw0", "keep0", "--", "set", "interface", "keep0", "type=internal")
        said = _run(sandbox, setup)
        if style in GUARDED_STYLES:
            assert "bridge 'sw0' was there before" in said, said
        for expectation in _plan(plan_text, target).expectations:
            result = check_expectation(sandbox, target, expectation)
            assert result.passed, f"{expectation.origin.comment}: {result.reason}"
        _run(sandbox, down)
        assert _vsctl(sandbox, "list-br").split() == ["sw0"]
        assert _ports(sandbox) == {"keep0"}


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_a_failure_half_way_rolls_back_the_switch_and_its_ports(target: str, style: str, tmp_path: Path) -> None:
    """A port name taken by another switch (a port whose interface the host lacks, as Open vSwitch
    allows) stops setup at that veth: the run's switch and the ports it added before go (their undo
    was listed first), the other switch stays."""
    lab = "bridge sw0 type ovs\nns red\nns blue\nveth red<->sw0 ip 10.0.0.1/24 tag 10\n" \
          "veth blue<->sw0 ip 10.0.0.2/24 tag 10\n"
    setup, _down = write_scripts(lab, "lab.ns", style, tmp_path, target, "lab.ns")
    with Sandbox(ovs=True) as sandbox:
        _vsctl(sandbox, "add-br", "other", "--", "set", "bridge", "other", "datapath_type=netdev",
               "--", "add-port", "other", "veth-blue-br")
        before = sandbox.snapshot()
        run = sandbox.run(["bash", str(setup)], timeout=120)
        assert run.returncode != 0
        assert "port 'veth-blue-br' already exists (on bridge other)" in run.stderr, run.stderr
        assert _vsctl(sandbox, "list-br").split() == ["other"]
        assert _ports(sandbox) == {"veth-blue-br"}
        changes = before.diff(sandbox.snapshot())
        assert not changes, "rollback did not restore the sandbox:\n" + "\n".join(changes)


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_without_a_database_setup_stops_in_its_preflight(target: str, style: str, tmp_path: Path) -> None:
    setup, _down = write_scripts("bridge sw0 type ovs\nns red\nveth red<->sw0 ip 10.0.0.1/24\n", "lab.ns", style,
                                 tmp_path, target, "lab.ns")
    with Sandbox() as sandbox:  # no Open vSwitch daemons in this one
        before = sandbox.snapshot()
        run = sandbox.run(["bash", str(setup)], timeout=60)
        assert run.returncode == 1
        assert "cannot reach the Open vSwitch database" in run.stderr, run.stderr
        assert "systemctl start openvswitch-switch" in run.stderr
        assert not before.diff(sandbox.snapshot())


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_a_lab_edited_to_have_no_switch_removes_its_old_one(target: str, style: str, tmp_path: Path) -> None:
    """The lab had an Open vSwitch bridge and ports; edited to have none (a Linux bridge instead),
    its next setup removes the old switch and its ports (the scripts of a lab with no Open vSwitch
    still read the record's `ovsbr`/`ovsport` lines); so does a teardown from the edited file."""
    old = "lab sw\nns red\nbridge sw0 type ovs\nveth red<->sw0 ip 10.40.0.1/24 tag 10\n"
    new = "lab sw\nns red\nbridge br0 ip 10.40.0.254/24\nveth red<->br0 ip 10.40.0.1/24\n"
    with Sandbox(ovs=True) as sandbox:
        empty = sandbox.snapshot()
        for step in ("setup", "teardown"):
            folder = tmp_path / step
            first = write_scripts(old, "lab.ns", style, folder / "old", target)
            second = write_scripts(new, "lab.ns", style, folder / "new", target)
            _run(sandbox, first[0])
            assert "sw0" in _vsctl(sandbox, "list-br").split()
            said = _run(sandbox, second[0] if step == "setup" else second[1])
            assert "no longer has ovsbr sw0" in said and "no longer has ovsport sw0 veth-red-br" in said, said
            assert "sw0" not in _vsctl(sandbox, "list-br").split()
            if step == "setup":
                _run(sandbox, second[1])
            changes = _changes_after(sandbox, empty)
            assert not changes, f"after the edited lab's {step}:\n" + "\n".join(changes)
