"""Labs across machines (issue 11) on the kernel: the generated playbooks run for real with
ansible-playbook against simulated machines (a sandbox each, joined by an underlay bridge), through
the `nsgen_sandbox` connection. `examples/two-sites.ns` passes `nsgen test` for both targets; a
machine whose setup fails fails the play with its lab line, and the other machine is left as it was."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nsgen.compiler import compile_source
from nsgen.harness.labtest import Outcome, prove_lab
from nsgen.harness.machinetest import (
    ansible_playbook,
    run_playbook,
    sandbox_inventory,
    simulated_machines,
    write_out_dir,
)
from tests.conftest import ROOT

pytestmark = pytest.mark.sandbox

TWO_SITES = ROOT / "examples" / "two-sites.ns"


@pytest.fixture(autouse=True)
def _need_ansible() -> None:
    if ansible_playbook() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("ansible-playbook is not installed, and CI=true forbids skipping (.ci/run installs it)")
        pytest.skip("ansible-playbook is not installed (pip install 'nsgen[ansible]')")


def test_two_sites_passes_nsgen_test(target: str) -> None:
    report = prove_lab(TWO_SITES.read_text(encoding="utf-8"), "two-sites.ns", target)
    failed = [(row.statement, row.reason, row.details[-2000:]) for row in report.rows if not row.passed]
    assert report.outcome is Outcome.PASSED, (report.message, failed)
    statements = [row.statement for row in report.rows]
    # every machine's expectations ran, across the tunnel, and the whole cycle ran through Ansible
    assert "site-a: expect pod-a1 ping 10.50.0.21" in statements
    assert "site-b: expect pod-b1 ping 10.50.0.11" in statements
    assert statements[0] == "setup.yml (ansible-playbook)" and "state restored" in statements


def test_three_machines_share_one_bridge_through_one_vxlan_device_each(target: str) -> None:
    """Head-end replication: each machine's one VXLAN device floods to both others (its forwarding
    entries) and learns the rest, so every pair of machines reaches each other over the bridge."""
    lab = ROOT / "golden-machines" / "three-machines" / "three-machines.ns"
    report = prove_lab(lab.read_text(encoding="utf-8"), "three-machines.ns", target)
    failed = [(row.statement, row.reason, row.details[-2000:]) for row in report.rows if not row.passed]
    assert report.outcome is Outcome.PASSED, (report.message, failed)
    statements = [row.statement for row in report.rows]
    assert "h3: expect green ping 10.61.0.1" in statements and "h2: expect blue ping 10.61.0.1" in statements
    assert "h3: expect green no ping 10.61.0.9" in statements
    assert statements[0] == "setup.yml (ansible-playbook)" and "state restored" in statements


def test_a_machine_that_fails_fails_the_play_and_the_others_are_undone(target: str, tmp_path: Path) -> None:
    """site-b already has a non-bridge link named `lan`: its setup stops at the bridge's line and rolls
    itself back; setup.yml fails with that message, and site-a, whose setup succeeded, is torn down."""
    result = compile_source(TWO_SITES.read_text(encoding="utf-8"), "two-sites.ns", target)
    assert result.machines is not None
    write_out_dir(tmp_path, result.machines, "two-sites", "two-sites.ns", target, "default")
    with simulated_machines(result.machines.addresses) as machines:
        site_b = machines.sandboxes["site-b"]
        made = site_b.run(["ip", "link", "add", "lan", "type", "veth", "peer", "name", "lan-peer"])
        assert made.returncode == 0, made.stderr
        (tmp_path / "sandbox.ini").write_text(sandbox_inventory(machines, "two-sites"), encoding="utf-8")
        before = machines.snapshot()
        run = run_playbook(tmp_path, "setup.yml")
        assert run.returncode != 0
        output = run.stdout + run.stderr
        line = TWO_SITES.read_text(encoding="utf-8").splitlines().index("bridge lan") + 1
        assert "site-b: " in output and f"two-sites.ns:{line}" in output, output[-3000:]  # the bridge's lab line
        assert "setup failed on site-b" in output, output[-3000:]
        undo = output.split("TASK [Undo the setup", 1)[1].split("TASK [", 1)[0]
        assert "changed: [site-a]" in undo and "site-b" not in undo.replace("skipping: [site-b]", ""), undo
        after = machines.snapshot()
        assert before["site-a"].diff(after["site-a"]) == []  # set up, then undone
        assert before["site-b"].diff(after["site-b"]) == []  # rolled back by its own script
