"""Semantic checks, each proven both ways: it fires on the mistake and stays quiet on a correct lab.

The error corpus (tests/errors/) shows each code's message; these tests pin down where each
check stops, and that the labs the project ships raise no error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen.compiler import compile_source

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "examples").glob("*.ns")) + sorted((ROOT / "golden").glob("*/*.ns"))

BRIDGED = """\
ns red
ns blue
bridge br0 ip 10.0.0.1/24
veth red<->br0 ip 10.0.0.2/24
veth blue<->br0 ip 10.0.0.3/24
"""
"""Two namespaces on one bridge, the host at 10.0.0.1: the base most cases add a line or two to."""


def codes(source: str) -> list[str]:
    """The codes of every diagnostic the lab gets, in source order."""
    return [d.code for d in compile_source(source, "lab.ns").diagnostics]


NEW_CODES = {"E131", "E132", "E133", "W134", "E135", "W136", "W137", "E138", "E139"}
"""The codes of the checks from the issue "Never touch what the lab did not create"."""


@pytest.mark.parametrize("lab", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_labs_have_no_errors(lab: Path) -> None:
    """The examples and golden labs are correct labs: no error, and none of the new checks speaks up."""
    result = compile_source(lab.read_text(encoding="utf-8"), lab.name)
    assert [d.code for d in result.diagnostics if d.is_error] == []
    assert [d.code for d in result.diagnostics if d.code in NEW_CODES | {"W111"}] == []


# E131: a gateway that is no neighbour ---------------------------------------------------------


@pytest.mark.parametrize("route", [
    "route red default via 10.0.0.0",        # the subnet's network address
    "route red default via 10.0.0.255",      # its broadcast address
    "route red default via 10.0.0.2",        # red's own address
    "route host 10.9.0.0/24 via 10.0.0.1",   # the host's own (the bridge's) address
])
def test_gateway_that_is_no_neighbour(route: str) -> None:
    assert codes(BRIDGED + route) == ["E131"]


@pytest.mark.parametrize("lab", [
    BRIDGED + "route red default via 10.0.0.1\nroute host 10.9.0.0/24 via 10.0.0.3",
    "ns a; ns b; veth a<->b ip 10.0.0.0/31, 10.0.0.1/31; route a default via 10.0.0.1",  # /31: no network address
])
def test_gateway_that_is_a_neighbour(lab: str) -> None:
    assert "E131" not in codes(lab)


# E132: one namespace (or the host) on overlapping subnets -------------------------------------


@pytest.mark.parametrize("lab", [
    BRIDGED + "bridge br1 ip 10.1.0.1/24\nveth red:eth1<->br1:red-br1 ip 10.0.0.9/24",   # the same subnet twice
    BRIDGED + "ns green; veth host<->green ip 10.0.0.129/25, 10.0.0.130/25",           # the host: bridge and veth
    "ns a; ns b; veth a<->b ip 10.0.0.1/30, 10.0.0.2/30; veth a:x<->b:y ip 10.0.0.5/16, 10.0.0.6/16",
])
def test_overlapping_subnets_in_one_namespace(lab: str) -> None:
    assert "E132" in codes(lab)


@pytest.mark.parametrize("lab", [
    BRIDGED,                                                                      # one subnet, many namespaces
    BRIDGED + "bridge br1 ip 10.1.0.1/24\nveth red:eth1<->br1:red-br1 ip 10.1.0.2/24",  # two subnets in red
    "bridge br0 ip 10.0.0.1/16\nbridge br1 ip 10.0.5.1/24",                         # two bridges: E108 alone
])
def test_separate_subnets_in_one_namespace(lab: str) -> None:
    assert "E132" not in codes(lab)


# E133: a forward target the host has no route to ----------------------------------------------

ROUTED = """\
ns router
ns web
bridge br0 ip 10.0.0.1/24
veth router<->br0 ip 10.0.0.2/24
veth router:eth1<->web ip 10.9.0.1/24, 10.9.0.2/24
route web default via 10.9.0.1
forward tcp 80 -> 10.9.0.2:80
"""
"""web sits behind router; only a `route host` gets the host's forwarded packets to it."""


@pytest.mark.parametrize("lab", [
    ROUTED,
    ROUTED + "route host 10.9.1.0/24 via 10.0.0.2",                              # a route elsewhere
    "ns a\nveth a<->br0 ip 10.0.0.2/24\nroute a default via 10.0.0.1\nforward tcp 80 -> 10.0.0.2",  # no bridge address
])
def test_forward_target_without_host_route(lab: str) -> None:
    assert "E133" in codes(lab)


@pytest.mark.parametrize("lab", [
    ROUTED + "route host 10.9.0.0/24 via 10.0.0.2",
    ROUTED + "route host 10.9.0.0/16 via 10.0.0.2",                              # a wider route covers it
    ROUTED + "route host default via 10.0.0.2",                                  # so does the lab's default
    "ns a; veth host<->a ip 10.0.0.1/30, 10.0.0.2/30; route a default via 10.0.0.1; forward udp 53 -> 10.0.0.2",
    BRIDGED + "route red default via 10.0.0.1\nforward tcp 80 -> 10.0.0.2",
])
def test_forward_target_with_host_route(lab: str) -> None:
    assert "E133" not in codes(lab)


# W134: `in`/`out` naming an interface the host's rules never see -------------------------------


@pytest.mark.parametrize("rule", [
    "nat masquerade 10.0.0.0/24 out veth-red-br",    # a bridge port: the rules see br0
    "forward tcp 80 -> 10.0.0.2 in veth-red",        # red's own end, inside red
    "forward tcp 80 -> 10.0.0.2 in veth-blue-br",
])
def test_rule_interface_the_host_never_sees(rule: str) -> None:
    assert "W134" in codes(BRIDGED + "route red default via 10.0.0.1\n" + rule)


@pytest.mark.parametrize("lab", [
    BRIDGED + "nat masquerade 10.0.0.0/24 out eth0",                 # the host's uplink, not in the lab
    BRIDGED + "nat masquerade 10.0.0.0/24 out br0",                  # a bridge is in the host
    BRIDGED + "nat masquerade 10.0.0.0/24 out wlan0",                # any name the lab does not use
    "ns a; veth host<->a ip 10.0.0.1/30, 10.0.0.2/30; nat masquerade 10.0.0.0/30 out veth-a-host",
    (ROOT / "examples" / "pods.ns").read_text() + "nat masquerade 10.244.1.0/24 out eth0",  # pods' eth0 too
])
def test_rule_interface_in_the_host(lab: str) -> None:
    assert "W134" not in codes(lab)


# E135: an option given twice ------------------------------------------------------------------


@pytest.mark.parametrize("lab", [
    "bridge br0 ip 10.0.0.1/24 mtu 1400 mtu 1500",
    "bridge br0 mtu 1400 ip 10.0.0.1/24 mtu 1400",                  # even with the same value
    "bridge br0 ip 10.0.0.1/24 ip 10.0.0.2/24",
    "ns a; ns b; veth a<->b ip 10.0.0.1/30 ip 10.0.0.2/30",
    "ns a; bridge br0 ip 10.0.0.1/24; veth a<->br0 ip 10.0.0.2/24 mtu 9000 ip 10.0.0.3/24",
])
def test_option_given_twice(lab: str) -> None:
    assert codes(lab).count("E135") == 1 and "E117" not in codes(lab)


@pytest.mark.parametrize("lab", [
    "bridge br0 ip 10.0.0.1/24 mtu 1400",
    "bridge br0 mtu 1400 ip 10.0.0.1/24",
    "ns a; ns b; veth a<->b ip 10.0.0.1/30, 10.0.0.2/30 mtu 9000",
])
def test_options_given_once(lab: str) -> None:
    assert "E135" not in codes(lab)


def test_too_many_addresses_in_one_option_stays_e117() -> None:
    assert codes("ns a; ns b; veth a<->b ip 10.0.0.1/30, 10.0.0.2/30, 10.0.0.3/30") == ["E117"]
    assert codes("ns a; ns b; veth a<->b ip fd00::1/64, fd00::2/64, fd00::3/64") == ["E117"]


def test_a_bridge_takes_any_number_of_addresses_of_both_families() -> None:
    assert codes("bridge br0 ip 10.0.0.1/24, 10.1.0.1/24, fd00::1/64, fd00:1::1/64") == []


def test_a_veth_takes_one_address_of_each_family_per_end() -> None:
    assert codes("ns a; ns b; veth a<->b ip 10.0.0.1/30, fd00::1/64, 10.0.0.2/30, fd00::2/64") == []


# W136, W137, E138: masquerades -----------------------------------------------------------------


@pytest.mark.parametrize(("lines", "expected"), [
    (["nat masquerade 10.0.0.0/24", "nat masquerade 10.0.0.0/24"], ["W136"]),
    (["nat masquerade 10.0.0.0/24 out eth0", "nat masquerade 10.0.0.0/24 out eth0"], ["W136"]),
    (["nat masquerade 10.0.0.0/24", "nat masquerade 10.0.0.0/24 out eth0"], []),       # different rules
    (["nat masquerade 10.0.0.0/24 out eth0", "nat masquerade 10.0.0.0/24 out eth1"], []),
    (["nat masquerade 10.0.0.0/24", "nat masquerade 10.0.0.0/25"], []),
    (["nat masquerade 10.1.0.0/24"], ["W137"]),                                        # nothing of the lab there
    (["nat masquerade 10.0.0.0/16"], []),                                              # a wider subnet holds it
    (["nat masquerade 10.0.0.0/30"], []),                                              # so does a narrower one
    (["nat masquerade 0.0.0.0/0"], ["E138"]),
    (["nat masquerade 0.0.0.0/0 out eth0"], ["E138"]),
    (["nat masquerade 0.0.0.0/1"], []),
])
def test_masquerades(lines: list[str], expected: list[str]) -> None:
    assert codes(BRIDGED + "\n".join(lines)) == expected


def test_masquerade_subnet_that_gave_a_bare_address_its_prefix() -> None:
    assert codes("ns red; veth red<->br0 ip 10.5.0.2; nat masquerade 10.5.0.0/24") == ["W116"]


# E139: addresses no interface can have ----------------------------------------------------------


@pytest.mark.parametrize("address", ["0.0.0.1/8", "127.0.0.2/8", "224.0.0.1/24", "239.1.1.1/24", "240.0.0.1/24",
                                     "255.255.255.255/32"])
def test_special_address_on_an_interface(address: str) -> None:
    assert codes(f"ns a\nbridge br0\nveth a<->br0 ip {address}") == ["E139"]


@pytest.mark.parametrize("address", ["1.0.0.1/8", "126.255.255.1/8", "128.0.0.1/8", "223.255.255.1/24",
                                     "10.0.0.1/8", "100.64.0.1/10", "169.254.0.1/16"])
def test_ordinary_address_on_an_interface(address: str) -> None:
    assert "E139" not in codes(f"ns a\nbridge br0\nveth a<->br0 ip {address}")


# W111: replies to a forwarded connection may not return ----------------------------------------

SEEDLIKE = """\
ns blue
bridge v-net-0 ip 192.168.15.5/24
veth blue<->v-net-0 ip 192.168.15.2/24
forward tcp 80 -> 192.168.15.2:80 in eth0
"""
"""The tutorial's forward; whether blue can answer depends on its routes."""

TWO_BRIDGES = """\
ns web
bridge br0 ip 10.0.0.1/24
bridge lan ip 10.1.0.1/24
veth web<->br0 ip 10.0.0.2/24
forward tcp 80 -> 10.0.0.2 in lan
"""
"""Connections forwarded from the bridge `lan` come from 10.1.0.0/24."""


@pytest.mark.parametrize("lab", [
    SEEDLIKE,                                                         # no route at all
    SEEDLIKE.replace(" in eth0", ""),
    TWO_BRIDGES,
    TWO_BRIDGES + "route web 10.9.0.0/24 via 10.0.0.1",              # a route, but not to lan's clients
    TWO_BRIDGES + "route web 10.1.0.0/25 via 10.0.0.1",              # to half of them
])
def test_forward_whose_replies_may_not_return(lab: str) -> None:
    assert "W111" in codes(lab)


@pytest.mark.parametrize("lab", [
    SEEDLIKE + "route blue default via 192.168.15.5",
    SEEDLIKE + "route blue 192.168.1.0/24 via 192.168.15.5",          # the clients' LAN only, as in seed.ns
    TWO_BRIDGES + "route web 10.1.0.0/24 via 10.0.0.1",
    TWO_BRIDGES + "route web 10.0.0.0/8 via 10.0.0.1",
    TWO_BRIDGES + "route web default via 10.0.0.1",
])
def test_forward_whose_replies_return(lab: str) -> None:
    assert "W111" not in codes(lab)
