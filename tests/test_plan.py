"""The plan decides which veth ends get an IPv6 address generation mode."""

from __future__ import annotations

import pytest

from nsgen.compiler import compile_source
from nsgen.compiler.plan import LabPlan, VethEnd

LAB = """\
ns red
ns blue
bridge br0 ip 10.9.0.1/24
veth red<->br0 ip 10.9.0.2/24
veth red:side<->blue:side ip 10.8.0.1/24, 10.8.0.2/24
veth blue<->br0 ip 10.9.0.3/24 mtu 1279
veth host:h0<->red:h1 ip 10.7.0.1/24, 10.7.0.2/24 mtu 1280
"""


def _plan(source: str) -> LabPlan:
    result = compile_source(source, "lab.ns")
    assert result.plan is not None, result.diagnostics
    return result.plan


def _modes(plan: LabPlan) -> dict[tuple[str | None, str], str | None]:
    ends: list[VethEnd] = [end for veth in plan.veths for end in (veth.outer, veth.inner)]
    return {(end.netns, end.ifname): end.addrgenmode for end in ends}


def test_ends_in_namespaces_get_addrgenmode_none_unless_the_mtu_is_below_ipv6s_minimum() -> None:
    plan = _plan(LAB)
    assert _modes(plan) == {
        ("red", "veth-red"): "none", (None, "veth-red-br"): None,
        ("red", "side"): "none", ("blue", "side"): "none",
        ("blue", "veth-blue"): None, (None, "veth-blue-br"): None,
        (None, "h0"): None, ("red", "h1"): "none",
    }
    assert plan.sets_addrgenmode


@pytest.mark.parametrize("where", ["first", "last"])
def test_ipv6_link_local_leaves_every_end_alone(where: str) -> None:
    source = "ipv6 link-local\n" + LAB if where == "first" else LAB + "ipv6 link-local\n"
    plan = _plan(source)
    assert set(_modes(plan).values()) == {None}
    assert not plan.sets_addrgenmode
