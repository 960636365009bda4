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


@pytest.mark.parametrize("lab", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_labs_have_no_errors(lab: Path) -> None:
    result = compile_source(lab.read_text(encoding="utf-8"), lab.name)
    assert [d.code for d in result.diagnostics if d.is_error] == []


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
