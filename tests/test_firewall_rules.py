"""Which labs load rules, and what the accepts are (no kernel needed; the kernel tests are in
tests/kernel/test_firewall_hosts.py)."""

from __future__ import annotations

import re

import pytest

from nsgen import cli
from nsgen.compiler import compile_source
from nsgen.compiler.plan import LabPlan
from nsgen.compiler.steps import LoadRules, SetSysctl, lower
from nsgen.compiler.targets import namespace_ruleset, render, ruleset
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


DUAL = ("ns a; bridge br0 ip 10.7.0.1/24, fd00:7::1/64; veth a<->br0 ip 10.7.0.2/24, fd00:7::2/64\n"
        "nat masquerade 10.7.0.0/24\nforward tcp 80 -> [fd00:7::2]:8080\n")


def test_each_family_gets_only_its_own_rules() -> None:
    """A forward to an IPv6 target has no IPv4 rule, a masquerade of an IPv4 subnet no IPv6 rule;
    the host forwards IPv4 for the one and IPv6 for the other."""
    plan = _plan(DUAL)
    assert plan.families == (4, 6)
    four, six = ruleset(plan, "iptables", 4), ruleset(plan, "iptables", 6)
    assert "MASQUERADE" in four and "DNAT" not in four and "fd00" not in four
    assert "DNAT --to-destination [fd00:7::2]:8080" in six and "10.7." not in six
    # IPv6's only masquerade is the forward's hairpin (clients on the target's subnet through the host)
    assert all("--ctstate DNAT" in line for line in six.splitlines() if "MASQUERADE" in line)
    nft = ruleset(plan, "nft")
    assert "table inet nsgen-lab {" in nft
    assert "ip saddr 10.7.0.0/24 ip daddr != 10.7.0.0/24 masquerade" in nft
    assert "dnat ip6 to [fd00:7::2]:8080" in nft and "dnat ip to" not in nft
    keys = [step.key for step in lower(plan).of(SetSysctl)]
    assert keys == ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"]


def test_ipv6_only_lab_has_no_ipv4_rules() -> None:
    """An IPv6-only lab: one family of rules, ip6tables only, and no ip_forward change."""
    plan = _plan("ns a; bridge br0 ip fd00:7::1/64; veth a<->br0 ip fd00:7::2\nnat masquerade fd00:7::/64\n")
    assert plan.families == (6,)
    setup = render(plan, "iptables", "setup", "plain")
    assert "ip6tables -t nat -A nsgen-lab-post -s fd00:7::/64" in setup  # the plain style: one command a rule
    assert not re.search(r"^iptables", setup, re.M)
    default = render(plan, "iptables", "setup")
    assert "ip6tables-restore" in default and "iptables-restore" not in default.replace("ip6tables-restore", "")
    assert "ip_forward" not in setup and "net.ipv6.conf.all.forwarding" in setup
    assert "ip addr replace fd00:7::2/64 dev veth-a nodad" in setup.replace("ip -n a ", "ip ")


ISOLATED = ("ns red; ns blue; ns gold; bridge br0 ip 10.7.0.1/24, fd00:7::1/64\n"
            "veth red<->br0 ip 10.7.0.2/24, fd00:7::2/64; veth blue<->br0 ip 10.7.0.3/24, fd00:7::3/64\n"
            "veth gold<->br0 ip fd00:7::4/64\nisolate blue; isolate gold\n"
            "allow red -> blue tcp 80; allow fd00:7::/64 -> gold tcp 443; allow outside -> blue tcp 8080\n")


def test_isolation_filters_the_families_of_the_namespace() -> None:
    """blue (dual-stack) is filtered in both families, gold (IPv6 only) in IPv6 only: no IPv4 rule
    for gold, red's address of each family in that family's rules, `outside` without the lab's
    subnets of each family, and the ICMPv6 neighbour discovery accepts in IPv6 only."""
    plan = _plan(ISOLATED)
    families = {rules.netns: rules.families for rules in plan.namespace_rules}
    assert families == {"blue": (4, 6), "gold": (6,)}
    four, six = namespace_ruleset(plan, "iptables", "blue", 4), namespace_ruleset(plan, "iptables", "blue", 6)
    assert "-s 10.7.0.2/32 -p tcp -m tcp --dport 80" in four and "fd00" not in four and "icmpv6" not in four
    assert "-s fd00:7::2/128 -p tcp -m tcp --dport 80" in six and "10.7." not in six
    assert "-s fd00:7::/64 -p tcp -m tcp --dport 8080" in six and "--icmpv6-type neighbour-advertisement" in six
    setup = render(plan, "iptables", "setup", "plain")
    assert "ip netns exec gold iptables" not in setup and "ip netns exec gold ip6tables-restore" in setup
    nft = namespace_ruleset(plan, "nft", "gold")
    assert "ip saddr" not in nft and "ip6 saddr fd00:7::/64 tcp dport 443 accept" in nft
    assert "meta nfproto ipv6 drop" in nft and "nd-neighbor-advert" in nft
    both = namespace_ruleset(plan, "nft", "blue")
    assert 'ip saddr != { 10.7.0.0/24 } tcp dport 8080 accept' in both
    assert 'ip6 saddr != { fd00:7::/64 } tcp dport 8080 accept' in both and "\t\tdrop comment" in both


def test_namespace_table_is_inet_and_replaces_an_ip_one() -> None:
    """nft: the namespace's table is `inet`; its transaction deletes an `ip` one of the same name
    first (nsgen made those before), and teardown looks for both."""
    text = "ns red; ns r1; veth red<->r1 ip 10.0.1.2/24, 10.0.1.1/24\nnat r1 masquerade 10.0.1.0/24\n"
    plan = _plan(text)
    rules = namespace_ruleset(plan, "nft", "r1")
    assert rules.startswith("table ip nsgen-lab\ndelete table ip nsgen-lab\ntable inet nsgen-lab\n")
    assert "ip saddr 10.0.1.0/24 ip daddr != 10.0.1.0/24 masquerade" in rules
    setup = render(plan, "nft", "setup")
    assert "for family in inet ip; do" in setup


def test_ipv6_nat_in_a_namespace_turns_on_its_ipv6_forwarding() -> None:
    """`nat r1 masquerade fd00:...` (once refused, E177): IPv6 rules only, and IPv6 forwarding in r1."""
    plan = _plan("ns red; ns r1; veth red<->r1 ip fd00:1::2/64, fd00:1::1/64\nnat r1 masquerade fd00:1::/64\n"
                 "forward r1 tcp 80 -> [fd00:1::2]:8080\n")
    assert [rules.families for rules in plan.namespace_rules] == [(6,)]
    assert {(s.netns, s.key) for s in plan.sysctls} == {("r1", "net.ipv6.conf.all.forwarding")}
    six = namespace_ruleset(plan, "iptables", "r1", 6)
    assert "-j DNAT --to-destination [fd00:1::2]:8080" in six and "-d fd00:1::2/128" in six
    assert "dnat ip6 to [fd00:1::2]:8080" in namespace_ruleset(plan, "nft", "r1")
