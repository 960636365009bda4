"""IPv6 and dual-stack labs on the kernel (issue 13), in both targets and every style.

`examples/dualstack.ns`, `golden/dualstack` and `golden/ipv6-only` pass `nsgen test`
(tests/kernel/test_labs.py: both families' connectivity, masquerade to `outside` and a port
forward from it, setup twice changing nothing, teardown restoring the snapshot, which holds both
families' routes, rules and forwarding). These tests look at what that leaves implicit: an
IPv6-only lab touches no IPv4 rule and not `ip_forward`; the host's IPv6 forwarding comes back
exactly as it was (1 as well as 0) and stays on while another lab needs it; neighbour discovery
through a router namespace with and without `ipv6 link-local`; an IPv6 step failing midway rolls
everything back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen.compiler.styles import GUARDED_STYLES, STYLES
from nsgen.harness import labtest
from nsgen.harness.sandbox import Sandbox, wait_links_up
from tests.conftest import ROOT
from tests.scriptcheck import write_scripts

pytestmark = pytest.mark.sandbox

DUALSTACK = (ROOT / "examples" / "dualstack.ns").read_text(encoding="utf-8")
IPV6_ONLY = (ROOT / "golden" / "ipv6-only" / "ipv6-only.ns").read_text(encoding="utf-8")
FORWARD4 = "net.ipv4.ip_forward"
FORWARD6 = "net.ipv6.conf.all.forwarding"


def _ok(sandbox: Sandbox, command: list[str], netns: str | None = None) -> str:
    result = sandbox.run(command, netns)
    assert result.returncode == 0, f"{' '.join(command)}: {result.stderr}"
    return result.stdout


def _sysctl(sandbox: Sandbox, key: str, netns: str | None = None) -> str:
    return _ok(sandbox, ["sysctl", "-n", key], netns).strip()


def _lab_rules(sandbox: Sandbox, tool: str) -> list[str]:
    """The lines of `TOOL-save` that name a chain of an nsgen lab."""
    return [line for line in _ok(sandbox, [f"{tool}-save"]).splitlines() if "nsgen-" in line]


def _expectations_hold(sandbox: Sandbox, source: str, target: str) -> None:
    from nsgen.compiler import compile_source

    plan = compile_source(source, "lab.ns").plan
    assert plan is not None
    wait_links_up(sandbox)
    results = [labtest.check_expectation(sandbox, target, e) for e in plan.expectations]
    failed = [f"{r.where} {r.statement}: {r.reason}" for r in results if not r.passed]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("style", STYLES)
def test_ipv6_only_lab_touches_no_ipv4(target: str, style: str, tmp_path: Path) -> None:
    """An IPv6-only lab: no IPv4 rule (no iptables chain, no `ip` family in nft), `ip_forward` left
    alone (set to 1 first here, and 0 in a second run, so neither value passes by chance); IPv6
    forwarding on while it is up, put back after; its expectations hold."""
    setup, down = write_scripts(IPV6_ONLY, "ipv6-only.ns", style, tmp_path, target)
    for before in ("0", "1"):
        with Sandbox(uplink=True) as sandbox:
            _ok(sandbox, ["sysctl", "-qw", f"{FORWARD4}={before}", f"{FORWARD6}=0"])
            _ok(sandbox, ["bash", str(setup)])
            assert _sysctl(sandbox, FORWARD4) == before
            assert _sysctl(sandbox, FORWARD6) == "1"
            assert _sysctl(sandbox, FORWARD6, "r") == "1"
            assert _sysctl(sandbox, FORWARD4, "r") == "0"  # an IPv6-only router forwards IPv6 only
            assert _lab_rules(sandbox, "iptables") == []
            if target == "iptables":
                assert any("MASQUERADE" in line for line in _lab_rules(sandbox, "ip6tables"))
            else:
                ruleset = _ok(sandbox, ["nft", "list", "ruleset"])
                assert "table inet nsgen-v6only" in ruleset and "table ip nsgen-" not in ruleset
                assert " ip saddr " not in ruleset and " ip daddr " not in ruleset and "dnat ip to" not in ruleset
            _expectations_hold(sandbox, IPV6_ONLY, target)
            _ok(sandbox, ["bash", str(down)])
            assert _sysctl(sandbox, FORWARD4) == before
            assert _sysctl(sandbox, FORWARD6) == "0"
            assert _lab_rules(sandbox, "ip6tables") == []


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_host_ipv6_forwarding_shared_and_restored(target: str, style: str, tmp_path: Path) -> None:
    """Two dual-stack labs: IPv6 forwarding (found 0) stays on until the last is torn down, then is 0
    again; found 1, it stays 1 after teardown. The same record as ip_forward's."""
    second = DUALSTACK.replace("lab dualstack", "lab dualstack2").replace("v-net-0", "v-net-1") \
        .replace("192.168.15.", "192.168.16.").replace("fd00:15:", "fd00:16:").replace("ns red", "ns red2") \
        .replace("ns blue", "ns blue2").replace("red<->", "red2<->").replace("blue<->", "blue2<->") \
        .replace("route blue ", "route blue2 ").replace("route red ", "route red2 ") \
        .replace("forward tcp 80", "forward tcp 81")
    second = "\n".join(line for line in second.splitlines() if not line.startswith("expect"))
    setup1, down1 = write_scripts(DUALSTACK, "dualstack.ns", style, tmp_path / "one", target)
    setup2, down2 = write_scripts(second, "dualstack2.ns", style, tmp_path / "two", target)
    with Sandbox(uplink=True) as sandbox:
        _ok(sandbox, ["sysctl", "-qw", f"{FORWARD4}=0", f"{FORWARD6}=0"])
        _ok(sandbox, ["bash", str(setup1)])
        _ok(sandbox, ["bash", str(setup2)])
        assert (_sysctl(sandbox, FORWARD4), _sysctl(sandbox, FORWARD6)) == ("1", "1")
        _ok(sandbox, ["bash", str(down1)])
        assert (_sysctl(sandbox, FORWARD4), _sysctl(sandbox, FORWARD6)) == ("1", "1")  # lab two needs both
        _ok(sandbox, ["bash", str(down2)])
        assert (_sysctl(sandbox, FORWARD4), _sysctl(sandbox, FORWARD6)) == ("0", "0")
    with Sandbox(uplink=True) as sandbox:
        _ok(sandbox, ["sysctl", "-qw", f"{FORWARD6}=1"])
        before = sandbox.snapshot()
        _ok(sandbox, ["bash", str(setup1)])
        _ok(sandbox, ["bash", str(down1)])
        assert _sysctl(sandbox, FORWARD6) == "1"
        changes = before.diff(sandbox.snapshot())
        assert not changes, "\n".join(changes)


LINK_LOCAL_ROUTER = """\
ns a
ns r
ns b
veth a<->r:left ip fd00:1a::2/64, fd00:1a::1/64
veth r:right<->b ip fd00:1b::1/64, fd00:1b::2/64
router r
route a default via fd00:1a::1
route b default via fd00:1b::1
expect a ping fd00:1b::2
expect b ping fd00:1a::2
expect a tcp [fd00:1b::2]:7000 reaches b
"""


# The same router, its IPv6 addresses given by `address` lines on IPv4 veths.
ADDRESS_LINES_ROUTER = """\
ns a
ns r
ns b
veth a<->r:left ip 10.1.0.2/24, 10.1.0.1/24
veth r:right<->b ip 10.2.0.1/24, 10.2.0.2/24
address a:veth-a fd00:1a::2/64
address r:left fd00:1a::1/64
address r:right fd00:1b::1/64
address b:veth-b fd00:1b::2/64
router r
route a default via fd00:1a::1
route b default via fd00:1b::1
expect a ping fd00:1b::2
expect b ping fd00:1a::2
expect a tcp [fd00:1b::2]:7000 reaches b
"""


@pytest.mark.parametrize(("source", "link_local"), [
    (LINK_LOCAL_ROUTER, False), (LINK_LOCAL_ROUTER, True), (ADDRESS_LINES_ROUTER, False),
], ids=["addrgenmode-none", "ipv6-link-local", "address-lines"])
def test_neighbour_discovery_through_a_router(target: str, source: str, link_local: bool, tmp_path: Path) -> None:
    """Traffic forwarded by a router namespace resolves its neighbours by their global addresses,
    with nsgen's `addrgenmode none` (and the link-local address it adds, also for IPv6 from
    `address` lines) and with the kernel's own."""
    source = ("ipv6 link-local\n" if link_local else "") + source
    setup, down = write_scripts(source, "router6.ns", "default", tmp_path, target)
    with Sandbox() as sandbox:
        _ok(sandbox, ["bash", str(setup)])
        mode = "none" if not link_local else "eui64"
        assert f"addrgenmode {mode}" in _ok(sandbox, ["ip", "-d", "link", "show", "left"], "r")
        if not link_local:  # the one link-local address nsgen adds: fe80:: and the interface part
            assert "inet6 fe80::1/64" in _ok(sandbox, ["ip", "-6", "addr", "show", "dev", "left"], "r")
        _expectations_hold(sandbox, source, target)
        neighbours = _ok(sandbox, ["ip", "-6", "neigh", "show", "dev", "right"], "r")
        assert "fd00:1b::2" in neighbours and "lladdr" in neighbours.split("fd00:1b::2", 1)[1].split("\n")[0]
        _ok(sandbox, ["bash", str(down)])


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_ipv6_failure_midway_rolls_back(target: str, style: str, tmp_path: Path) -> None:
    """A namespace that is there already with another IPv6 default route: setup of the dual-stack
    lab fails at its IPv6 default route (after its IPv4 one, its bridge, veths and addresses),
    names that line, and the rollback leaves the sandbox exactly as it was."""
    setup, _down = write_scripts(DUALSTACK, "dualstack.ns", style, tmp_path, target)
    line = 1 + DUALSTACK.splitlines().index("route blue default via fd00:15::5")
    with Sandbox(uplink=True) as sandbox:
        for command in (["ip", "netns", "add", "blue"], ["ip", "-n", "blue", "link", "set", "lo", "up"],
                        ["ip", "-n", "blue", "link", "add", "x0", "type", "veth", "peer", "name", "x1"],
                        ["ip", "-n", "blue", "link", "set", "x0", "up"],
                        ["ip", "-n", "blue", "link", "set", "x1", "up"],
                        ["ip", "-n", "blue", "addr", "add", "fd00:99::2/64", "dev", "x0", "nodad"],
                        ["ip", "-n", "blue", "route", "add", "default", "via", "fd00:99::1"]):
            _ok(sandbox, command)
        before = sandbox.snapshot()
        result = sandbox.run(["bash", str(setup)])
        assert result.returncode != 0, f"setup succeeded despite the conflict:\n{result.stderr}"
        assert f"dualstack.ns:{line}" in result.stderr, result.stderr
        changes = before.diff(sandbox.snapshot())
        assert not changes, "rollback left the sandbox changed:\n" + "\n".join(changes)


def _ipv4_only(source: str) -> str:
    """The dual-stack lab with its IPv6 taken out: the lab as it was before IPv6 was added."""
    lines = []
    for line in source.splitlines():
        if line.startswith("expect") or ("fd00" in line and not line.startswith(("bridge", "veth"))):
            continue
        lines.append(line.replace(", fd00:15::5/64", "").replace(", fd00:15::1/64", "").replace(", fd00:15::2/64", ""))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("direction", ["add-ipv6", "remove-ipv6"])
@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_edited_lab_converges_between_families(target: str, style: str, direction: str, tmp_path: Path) -> None:
    """A lab edited to add IPv6 (or to drop it): setup of the new version leaves what a fresh setup of
    it leaves (the other family's chains, nft's older table, IPv6 forwarding removed or added), and
    its teardown leaves the sandbox as it was."""
    ipv4 = _ipv4_only(DUALSTACK)
    assert "fd00" not in ipv4
    first, then = (ipv4, DUALSTACK) if direction == "add-ipv6" else (DUALSTACK, ipv4)
    old = write_scripts(first, "dualstack.ns", style, tmp_path / "old", target, identity="/labs/dualstack.ns")
    new = write_scripts(then, "dualstack.ns", style, tmp_path / "new", target, identity="/labs/dualstack.ns")
    with Sandbox(uplink=True) as sandbox:
        _ok(sandbox, ["bash", str(new[0])])
        fresh = sandbox.snapshot()
    with Sandbox(uplink=True) as sandbox:
        empty = sandbox.snapshot()
        _ok(sandbox, ["bash", str(old[0])])
        _ok(sandbox, ["bash", str(new[0])])
        changes = fresh.diff(sandbox.snapshot())
        if direction == "remove-ipv6":
            # Known, and not IPv6's own: an address the edited lab no longer gives a bridge it made
            # stays on the bridge (host addresses are not in the record) until teardown deletes the
            # bridge. Everything else (ip6tables chains or the inet rules, IPv6 forwarding, the
            # namespaces' IPv6 addresses and routes) converges.
            stale = ("[host] addr v-net-0 inet6 fd00:15::5/64", "dst=fd00:15::5 dev=v-net-0",
                     "dst=fd00:15::/64 dev=v-net-0")
            changes = [c for c in changes if not (c.startswith("+ ") and any(s in c for s in stale))]
        assert not changes, "the edited lab differs from a fresh setup of it:\n" + "\n".join(changes)
        _ok(sandbox, ["bash", str(new[1])])
        changes = empty.diff(sandbox.snapshot())
        assert not changes, "teardown left:\n" + "\n".join(changes)


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_ipv6_route_there_before_is_used_and_left(target: str, style: str, tmp_path: Path) -> None:
    """blue is there before the lab, with the very IPv6 default route the lab declares (the kernel's
    metric 1024): setup takes it as it is (looked up with `ip -6 ... metric 1024`), teardown leaves
    it, and the sandbox ends as it was."""
    setup, down = write_scripts(DUALSTACK, "dualstack.ns", style, tmp_path, target)
    with Sandbox(uplink=True) as sandbox:
        for command in (["ip", "netns", "add", "blue"], ["ip", "-n", "blue", "link", "set", "lo", "up"],
                        ["ip", "-n", "blue", "link", "add", "x0", "type", "veth", "peer", "name", "x1"],
                        ["ip", "-n", "blue", "link", "set", "x0", "up"],
                        ["ip", "-n", "blue", "link", "set", "x1", "up"],
                        ["ip", "-n", "blue", "addr", "add", "fd00:15::9/64", "dev", "x0", "nodad"],
                        ["ip", "-n", "blue", "route", "add", "default", "via", "fd00:15::5", "dev", "x0"]):
            _ok(sandbox, command)
        before = sandbox.snapshot()
        _ok(sandbox, ["bash", str(setup)])
        routes = _ok(sandbox, ["ip", "-6", "route", "show", "default"], "blue")
        assert routes.count("default via fd00:15::5") == 1, routes
        _ok(sandbox, ["bash", str(setup)])  # again: still one
        assert _ok(sandbox, ["ip", "-6", "route", "show", "default"], "blue").count("default") == 1
        _ok(sandbox, ["bash", str(down)])
        assert "default via fd00:15::5 dev x0" in _ok(sandbox, ["ip", "-6", "route", "show", "default"], "blue")
        changes = before.diff(sandbox.snapshot())
        assert not changes, "teardown left:\n" + "\n".join(changes)


def test_preflight_warns_of_a_host_that_learns_its_route_from_router_advertisements(target: str,
                                                                                   tmp_path: Path) -> None:
    """The host's eth0 has an IPv6 default route learned from router advertisements (`proto ra`)
    and accept_ra 1: setup of a lab with IPv6 NAT warns, naming eth0 and accept_ra=2, and changes
    nothing about it; with accept_ra 2 it says nothing."""
    setup, down = write_scripts(DUALSTACK, "dualstack.ns", "default", tmp_path, target)
    with Sandbox(uplink=True) as sandbox:
        _ok(sandbox, ["sysctl", "-qw", f"{FORWARD6}=0", "net.ipv6.conf.eth0.accept_ra=1"])
        _ok(sandbox, ["ip", "-6", "route", "add", "default", "via", "fd00:1::3", "dev", "eth0", "proto", "ra"])
        result = sandbox.run(["bash", str(setup)])
        assert result.returncode == 0, result.stderr
        assert "nsgen: warning: eth0 learns this host's IPv6 default route from router advertisements" in result.stderr
        assert "net.ipv6.conf.eth0.accept_ra=2" in result.stderr
        assert _sysctl(sandbox, "net.ipv6.conf.eth0.accept_ra") == "1"
        _ok(sandbox, ["bash", str(down)])
        _ok(sandbox, ["sysctl", "-qw", "net.ipv6.conf.eth0.accept_ra=2"])
        result = sandbox.run(["bash", str(setup)])
        assert result.returncode == 0 and "router advertisements" not in result.stderr, result.stderr
