"""NAT inside namespaces (`nat NS ...`, `forward NS ...`) on the kernel, in both targets.

`golden/router-nat` passes `nsgen test` in every style (tests/kernel/test_labs.py: masquerade seen
from the far side, the forwards reached, setup twice, exact teardown of the lab's own namespaces).
These tests look at what that cannot: a namespace that was there before the lab, with rules of its
own, keeps exactly those after teardown, after a rollback and after a setup of an edited lab.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen.compiler.styles import GUARDED_STYLES
from nsgen.harness.sandbox import Sandbox
from tests.scriptcheck import write_scripts

pytestmark = pytest.mark.sandbox

LAB = """\
lab nsnat
ns red
ns r1
ns edge
veth red<->r1 ip 10.0.1.2/24, 10.0.1.1/24
veth r1:eth1<->edge ip 10.0.2.1/24, 10.0.2.2/24
route red default via 10.0.1.1
nat r1 masquerade 10.0.1.0/24 out eth1
forward r1 tcp 8080 -> 10.0.1.2:80 in eth1
"""

FILTER_LAB = """\
lab nsnat
ns red
ns r1
ns edge
veth red<->r1 ip 10.0.1.2/24, 10.0.1.1/24
veth r1:eth1<->edge ip 10.0.2.1/24, 10.0.2.2/24
address r1:eth1 10.0.2.100/24
route red default via 10.0.1.1
router r1 deny
allow edge -> red via r1 tcp 80
forward r1 10.0.2.100 -> 10.0.1.2 in eth1
redirect r1 tcp 8080 -> 3128 in veth-r1
"""
LABS = {"nat": LAB, "filter": FILTER_LAB}
"""The NAT lab, and a default-deny router with a whole-address forward and a redirect (`router r1
deny`, `forward r1 ADDRESS -> ...`, `redirect r1 ...`): their rules use every lab chain but `in`."""
RULE_LINES = ("nat ", "forward ", "redirect ", "router ", "allow ")

OWN_RULES = {
    # r1's own rules, made before the lab: a chain with a rule, hooked into nat POSTROUTING and FORWARD
    "iptables": [["iptables", "-t", "nat", "-N", "mine"], ["iptables", "-t", "nat", "-A", "mine", "-s", "10.9.0.0/24",
                  "-j", "MASQUERADE"], ["iptables", "-t", "nat", "-A", "POSTROUTING", "-j", "mine"],
                 ["iptables", "-A", "FORWARD", "-s", "10.9.0.0/24", "-j", "DROP"]],
    "nft": [["nft", "add table ip mine; add chain ip mine post { type nat hook postrouting priority 100; }; "
             "add rule ip mine post ip saddr 10.9.0.0/24 masquerade"]],
}


def _ok(sandbox: Sandbox, command: list[str], netns: str | None = None) -> str:
    run = sandbox.run(command, netns=netns, timeout=60)
    assert run.returncode == 0, f"{' '.join(command)}: {run.stderr}"
    return run.stdout


def _firewall(sandbox: Sandbox, netns: str, target: str) -> str:
    """Every rule and chain of the namespace, as the target's tool lists them (iptables-nft leaves
    the empty built-in chains it made in nft's listing: judged by rules and chains, as iptables shows them)."""
    if target == "iptables":
        return _ok(sandbox, ["iptables", "-t", "nat", "-S"], netns) + _ok(sandbox, ["iptables", "-S"], netns)
    return _ok(sandbox, ["nft", "list", "ruleset"], netns)


def _lab_rules(sandbox: Sandbox, netns: str, target: str) -> int:
    return _firewall(sandbox, netns, target).count("nsgen-nsnat")


def _prepare(sandbox: Sandbox, target: str) -> str:
    """r1 made before the lab, with rules of its own; its firewall as it then is."""
    _ok(sandbox, ["ip", "netns", "add", "r1"])
    for command in OWN_RULES[target]:
        _ok(sandbox, command, "r1")
    return _firewall(sandbox, "r1", target)


@pytest.mark.parametrize("rules", LABS)
@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_teardown_leaves_a_namespace_own_rules(target: str, style: str, rules: str, tmp_path: Path) -> None:
    setup, down = write_scripts(LABS[rules], "nsnat.ns", style, tmp_path, target)
    with Sandbox() as sandbox:
        before = _prepare(sandbox, target)
        _ok(sandbox, ["bash", str(setup)])
        assert _lab_rules(sandbox, "r1", target) > 0
        assert "mine" in _firewall(sandbox, "r1", target)
        _ok(sandbox, ["bash", str(setup)])  # a second run loads the same rules, once
        record = _ok(sandbox, ["cat", "/run/nsgen/labs/nsnat/record"])
        assert record.count("+ nsrules r1") == 1, record
        _ok(sandbox, ["bash", str(down)])
        assert _firewall(sandbox, "r1", target) == before
        assert sandbox.namespaces() == ["r1"]


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_rollback_removes_the_rules_it_loaded(target: str, style: str, tmp_path: Path) -> None:
    """A step after the rules fails (a sysctl the kernel does not have): the rollback removes the
    lab's rules from r1 and leaves r1's own."""
    broken = LAB + "sysctl r1 net.ipv4.conf.nosuchif.forwarding=1\n"
    setup, _down = write_scripts(broken, "nsnat.ns", style, tmp_path, target)
    with Sandbox() as sandbox:
        before = _prepare(sandbox, target)
        run = sandbox.run(["bash", str(setup)], timeout=60)
        assert run.returncode != 0 and "undoing what this run created" in run.stderr, run.stderr
        assert _firewall(sandbox, "r1", target) == before
        assert sandbox.namespaces() == ["r1"]


@pytest.mark.parametrize("rules", LABS)
@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_edited_lab_without_nat_removes_the_rules(target: str, style: str, rules: str, tmp_path: Path) -> None:
    """The lab file loses its `nat r1`/`forward r1` lines (and `router r1 deny`, `allow ... via r1`,
    `redirect r1`): the next setup removes the lab's rules from r1 (a namespace that was there
    before), and says so."""
    setup, down = write_scripts(LABS[rules], "nsnat.ns", style, tmp_path / "a", target, identity="/labs/nsnat.ns")
    edited = "\n".join(line for line in LABS[rules].splitlines() if not line.startswith(RULE_LINES)) + "\n"
    setup2, _down2 = write_scripts(edited, "nsnat.ns", style, tmp_path / "b", target, identity="/labs/nsnat.ns")
    with Sandbox() as sandbox:
        before = _prepare(sandbox, target)
        _ok(sandbox, ["bash", str(setup)])
        assert _lab_rules(sandbox, "r1", target) > 0
        run = sandbox.run(["bash", str(setup2)], timeout=60)
        assert run.returncode == 0, run.stderr
        assert "no longer has nsrules r1" in run.stderr, run.stderr
        assert _firewall(sandbox, "r1", target) == before
        _ok(sandbox, ["bash", str(down)])
        assert _firewall(sandbox, "r1", target) == before
