"""Routers, sysctls, extra addresses, richer routes and MACs on the kernel, in every style and target.

`golden/router` and `golden/router-host` pass `nsgen test` (tests/kernel/test_labs.py: pings
across the router, setup twice, exact teardown); these tests look at what the snapshot leaves
out or what a ping cannot tell: the MACs, both default routes with their metrics, the device and
onlink routes, interfaces named like `ip` keywords, the sysctls inside the router, a host sysctl
restored to the value it had before, and a route of the same destination that teardown must leave.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nsgen.compiler.styles import GUARDED_STYLES, STYLES
from nsgen.harness import labtest
from nsgen.harness.sandbox import Sandbox
from tests.conftest import ROOT
from tests.scriptcheck import write_scripts

pytestmark = pytest.mark.sandbox

ROUTER = (ROOT / "golden" / "router" / "router.ns").read_text(encoding="utf-8")
ROUTER_HOST = (ROOT / "golden" / "router-host" / "router-host.ns").read_text(encoding="utf-8")


def _ok(sandbox: Sandbox, command: list[str], netns: str | None = None) -> str:
    run = sandbox.run(command, netns=netns, timeout=60)
    assert run.returncode == 0, f"{' '.join(command)}: {run.stderr}"
    return run.stdout


def _json(sandbox: Sandbox, command: list[str], netns: str | None = None) -> list[dict[str, Any]]:
    parsed = json.loads(_ok(sandbox, command, netns) or "[]")
    assert isinstance(parsed, list)
    return parsed


def _routes(sandbox: Sandbox, netns: str | None) -> set[tuple[str, str, str, int, bool]]:
    """(destination, gateway, device, metric, onlink) of every main-table route."""
    return {(r["dst"], r.get("gateway", "-"), r.get("dev", "-"), int(r.get("metric", 0)),
             "onlink" in r.get("flags", [])) for r in _json(sandbox, ["ip", "-j", "route", "show"], netns)}


def _sysctl(sandbox: Sandbox, key: str, netns: str | None = None) -> str:
    return _ok(sandbox, ["cat", "/proc/sys/" + key.replace(".", "/")], netns).strip()


@pytest.mark.parametrize("style", STYLES)
def test_router_lab_state(target: str, style: str, tmp_path: Path) -> None:
    setup, down = write_scripts(ROUTER, "router.ns", style, tmp_path, target)
    with Sandbox() as sandbox:
        _ok(sandbox, ["bash", str(setup)])
        links = {(ns, link["ifname"]): link for ns in ("red", "r1", "blue")
                 for link in _json(sandbox, ["ip", "-j", "link", "show"], ns)}
        assert links[("red", "veth-red")]["address"] == "02:00:00:00:01:02"
        assert links[("r1", "veth-r1")]["address"] == "02:00:00:00:01:01"
        assert links[("r1", "a")]["mtu"] == links[("blue", "type")]["mtu"] == 1400
        red = _routes(sandbox, "red")
        assert {("default", "10.0.1.1", "veth-red", 100, False), ("default", "10.0.1.9", "veth-red", 200, False)} <= red
        blue = _routes(sandbox, "blue")
        assert ("10.255.0.1", "-", "type", 0, False) in blue
        assert ("default", "169.254.1.1", "type", 0, True) in blue
        assert ("10.0.1.0/24", "10.0.2.1", "type", 0, False) in blue
        lo = _ok(sandbox, ["ip", "-o", "-4", "addr", "show", "dev", "lo"], "r1")
        assert "10.255.0.1/32" in lo and "10.255.1.1/32" in lo
        assert _sysctl(sandbox, "net.ipv4.ip_forward", "r1") == "1"
        assert _sysctl(sandbox, "net.ipv4.conf.all.rp_filter", "r1") == "0"
        assert _sysctl(sandbox, "net.ipv4.ip_forward", "red") == "0"  # only the router forwards
        _ok(sandbox, ["bash", str(down)])
        assert sandbox.namespaces() == []


def test_without_router_nothing_crosses() -> None:
    """The control: the same lab without `router r1` does not get red's pings to blue through."""
    lab = ROUTER.replace("router r1\n", "").replace("expect red ping 10.0.2.2", "expect red no ping 10.0.2.2")
    lab = "\n".join(line for line in lab.splitlines() if not line.startswith("expect red ping"))
    report = labtest.prove_lab(lab, "router.ns", labtest.TARGETS[0])
    shown = "\n".join([labtest.format_table(report.rows), report.message])
    assert report.passed, shown
    assert any(row.statement == "expect red no ping 10.0.2.2" for row in report.rows), shown


@pytest.mark.parametrize("style", STYLES)
def test_host_router_and_sysctl_restored(target: str, style: str, tmp_path: Path) -> None:
    """`router host` and `sysctl host` are set, and teardown puts back the values found before
    (set here to non-defaults first, so that restoring cannot pass by chance)."""
    setup, down = write_scripts(ROUTER_HOST, "router-host.ns", style, tmp_path, target)
    with Sandbox() as sandbox:
        _ok(sandbox, ["sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.ip_forward=0"])
        _ok(sandbox, ["bash", str(setup)])
        assert _sysctl(sandbox, "net.ipv4.ip_forward") == "1"
        assert _sysctl(sandbox, "net.ipv4.conf.all.rp_filter") == "2"
        assert ("10.0.9.1", "10.0.2.2", "veth-blue-host", 10, False) in _routes(sandbox, None)
        _ok(sandbox, ["bash", str(down)])
        assert _sysctl(sandbox, "net.ipv4.ip_forward") == "0"
        assert _sysctl(sandbox, "net.ipv4.conf.all.rp_filter") == "1"


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_teardown_leaves_a_route_with_another_metric(target: str, style: str, tmp_path: Path) -> None:
    """A route to the lab route's destination via its gateway with another metric is not the lab's:
    teardown (`ip route del` without the metric would take it) leaves it alone."""
    setup, down = write_scripts(ROUTER_HOST, "router-host.ns", style, tmp_path, target)
    with Sandbox() as sandbox:
        _ok(sandbox, ["bash", str(setup)])
        # the same destination and gateway, metric 20, on a link that outlives the lab's
        _ok(sandbox, ["ip", "link", "add", "name", "t0", "up", "type", "veth", "peer", "name", "t1"])
        _ok(sandbox, ["ip", "route", "add", "10.0.9.1", "via", "10.0.2.2", "dev", "t0", "onlink", "metric", "20"])
        _ok(sandbox, ["ip", "route", "del", "10.0.9.1", "via", "10.0.2.2", "metric", "10"])  # the lab's, gone
        _ok(sandbox, ["bash", str(down)])
        assert ("10.0.9.1", "10.0.2.2", "t0", 20, True) in _routes(sandbox, None)
