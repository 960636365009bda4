"""Which labs load rules, and what the accepts are (no kernel needed; the kernel tests are in
tests/kernel/test_firewall_hosts.py)."""

from __future__ import annotations

import pytest

from nsgen import cli
from nsgen.compiler import compile_source
from nsgen.compiler.plan import LabPlan
from nsgen.compiler.steps import LoadRules, SetSysctl, lower
from nsgen.compiler.targets import render, ruleset
from nsgen.harness import sandbox

BRIDGE = "ns a; ns b; bridge br0 ip 10.7.0.1/24; veth a<->br0 ip 10.7.0.2/24; veth b<->br0 ip 10.7.0.3/24\n"


def _plan(text: str) -> LabPlan:
    compilation = compile_source(text, "lab.ns")
    assert compilation.plan is not None, compilation.diagnostics
    return compilation.plan


@pytest.mark.parametrize(("text", "rules", "forwarding"), [
    (BRIDGE, True, False),
    ("ns a; bridge br0 ip 10.7.0.1/24; veth a<->br0 ip 10.7.0.2/24\n", False, False),
    ("ns a; ns b; veth a<->b ip 10.7.0.1/30, 10.7.0.2/30\n", False, False),
    ("ns a; bridge br0 ip 10.7.0.1/24; veth a<->br0 ip 10.7.0.2/24; forward tcp 80 -> 10.7.0.2\n", True, True),
    (BRIDGE + "nat masquerade 10.7.0.0/24\n", True, True),
], ids=["two-ports", "one-port", "direct-pair", "forward-only", "masquerade"])
def test_which_labs_load_rules(text: str, rules: bool, forwarding: bool) -> None:
    """Rules for NAT, and for a bridge with two or more lab ports; ip_forward only for NAT."""
    steps = lower(_plan(text))
    assert bool(steps.of(LoadRules)) == rules
    assert bool(steps.of(SetSysctl)) == forwarding


@pytest.mark.parametrize("target", ["iptables", "nft"])
def test_bridge_accept_is_per_bridge(target: str) -> None:
    rules = ruleset(_plan(BRIDGE), target)
    expected = {"iptables": '-A nsgen-lab-fwd -i br0 -o br0 -m comment --comment "lab.ns:1" -j ACCEPT',
                "nft": 'iifname "br0" oifname "br0" accept comment "lab.ns:1"'}[target]
    assert expected in rules
    assert "*nat" not in rules and "prerouting" not in rules


@pytest.mark.parametrize("target", ["iptables", "nft"])
def test_forward_replies_are_accepted(target: str) -> None:
    text = "ns a; bridge br0 ip 10.7.0.1/24; veth a<->br0 ip 10.7.0.2/24; forward udp 53 -> 10.7.0.2 in eth0\n"
    rules = ruleset(_plan(text), target)
    expected = {"iptables": "-A nsgen-lab-fwd -o eth0 -s 10.7.0.2/32 -p udp -m udp --sport 53 -m conntrack "
                            "--ctstate RELATED,ESTABLISHED",
                "nft": 'oifname "eth0" ip saddr 10.7.0.2 udp sport 53 ct state established,related accept'}[target]
    assert expected in rules


@pytest.mark.parametrize("target", ["iptables", "nft"])
def test_only_setup_warns(target: str) -> None:
    plan = _plan(BRIDGE)
    assert "nsgen: warning:" in render(plan, target, "setup")
    assert "nsgen: warning:" not in render(plan, target, "down")
    assert "nsgen: warning:" not in render(_plan("ns a\n"), target, "setup")


def test_cli_host_firewalls_are_the_sandboxs() -> None:
    assert tuple(sandbox.HOST_FIREWALLS) == cli.HOST_FIREWALLS
