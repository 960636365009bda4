"""Labs on hosts with a firewall: Docker's `iptables -P FORWARD DROP`, a native nft table whose
forward hook drops, br_netfilter on and off. Every case sets br_netfilter itself, so no result
depends on the machine the tests run on. Traffic goes only to addresses of the sandbox's own
namespaces."""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen.compiler import compile_source
from nsgen.compiler.styles import STYLES
from nsgen.compiler.targets import render
from nsgen.harness import labtest
from nsgen.harness.labtest import Host
from nsgen.harness.sandbox import HOST_FIREWALLS, Sandbox, ovs_missing
from tests.kernel.conftest import example_labs

pytestmark = pytest.mark.sandbox

WARNING = "nsgen: warning:"
NEEDS_FORWARDING = {"docker": {"nft"}, "nft-drop": {"nft", "iptables"}}
"""Host firewalls each target's own rules cannot get past (another table's drop): there the lab's
forwarded traffic stays dropped, and setup must say so."""


def _report(lab: Path, target: str, style: str, host: Host) -> tuple[labtest.LabTestReport, str]:
    report = labtest.prove_lab(lab.read_text(encoding="utf-8"), str(lab), target, style, host)
    shown = "\n".join([labtest.format_table(report.rows), labtest.format_details(report.rows), report.message])
    return report, shown


def _setup_row(report: labtest.LabTestReport) -> labtest.CheckResult:
    return next(row for row in report.rows if row.check == "setup")


@pytest.mark.parametrize("br_netfilter", [True, False], ids=["br_netfilter-on", "br_netfilter-off"])
@pytest.mark.parametrize("firewall", ["open", "docker"])
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("example", [path for path in example_labs()
                                     # labs across machines: their own kernel tests (test_machines.py)
                                     if "\nmachine " not in path.read_text(encoding="utf-8")],
                         ids=lambda path: path.stem)
def test_example_on_a_firewalled_host(example: Path, target: str, style: str, firewall: str,
                                      br_netfilter: bool) -> None:
    """Every example, each target and style, on an open and a Docker-like host, with
    br_netfilter on and off: where the target's rules can let the lab through, every `expect`
    holds, setup and teardown run twice (plain: once) and teardown restores the firewall exactly; where they
    cannot (nft under iptables' DROP, with br_netfilter on or off: the DNAT and MASQUERADE traffic is
    routed through FORWARD), setup warns, the lab's forwarded traffic is dropped, and teardown
    still restores everything."""
    text = example.read_text(encoding="utf-8")
    plan = compile_source(text, str(example)).plan
    assert plan is not None
    if plan.ovs_bridges and ovs_missing():
        pytest.skip(f"Open vSwitch is not installed here: {ovs_missing()} missing")
    report, shown = _report(example, target, style, Host(firewall, br_netfilter))
    # a lab with no rules (an Open vSwitch lab: its frames never cross the host's IP hooks) is never blocked
    blocked = target in NEEDS_FORWARDING.get(firewall, set()) and plan.has_rules
    setup = _setup_row(report)
    assert setup.passed, shown
    assert (WARNING in setup.details) == (blocked and style != "plain"), shown  # plain has no preflight
    restored = [row for row in report.rows if row.statement == "state restored"]
    assert all(row.passed for row in restored) and (restored or style == "plain"), shown  # plain: run once
    assert all(row.passed for row in report.rows if row.check != "expect"), shown
    expectations = [row for row in report.rows if row.check == "expect"]
    # traffic the drop sees: frames across the lab's bridges (br_netfilter on), or what the host
    # routes for its NAT and forwards (an expectation to or from outside)
    crosses = (br_netfilter and bool(plan.bridged)) or any(
        " outside" in line for line in text.splitlines() if line.startswith("expect"))
    if blocked and crosses:
        assert any(not row.passed for row in expectations), f"the drop let everything through:\n{shown}"
    else:  # not blocked, or none of its traffic meets the drop (services, br_netfilter off): all hold
        assert report.passed, shown


@pytest.mark.parametrize("firewall", ["docker", "nft-drop"])
def test_warning_names_the_chain_that_drops(target: str, firewall: str, tmp_path: Path) -> None:
    """Setup's warning names the chain that drops: iptables' FORWARD (nft target, Docker's host) or
    the other nft table; where the target's own rules get the lab through, setup says nothing."""
    stderr = _setup_stderr(example_labs()[0].read_text(encoding="utf-8"), target, Sandbox(
        uplink=True, host_firewall=firewall, br_netfilter=True), tmp_path)
    if target not in NEEDS_FORWARDING[firewall]:
        assert WARNING not in stderr, stderr
    elif firewall == "docker":
        assert "iptables' FORWARD chain (nft table ip filter) has policy drop" in stderr, stderr
        assert "-t iptables" in stderr, stderr
    else:
        assert "nft table inet docker_like, chain forward, has policy drop" in stderr, stderr


def test_jump_no_longer_first_is_warned(tmp_path: Path) -> None:
    """iptables target: a rerun that finds a rule inserted before the lab's jump (Docker restarted,
    say) on a FORWARD DROP host warns, naming how to put the jump first again."""
    with Sandbox(uplink=True, host_firewall="docker", br_netfilter=True) as sandbox:
        setup = _script(BRIDGE_ONLY, "iptables", tmp_path)
        first = sandbox.run(["bash", str(setup)], timeout=60)
        assert first.returncode == 0 and WARNING not in first.stderr, first.stderr
        assert sandbox.run(["iptables", "-I", "FORWARD", "-i", "nothing0", "-j", "DROP"]).returncode == 0
        again = sandbox.run(["bash", str(setup)], timeout=60)
        assert again.returncode == 0, again.stderr
        assert "1 rule(s) before the jump to lab fw's accepts (nsgen-fw-fwd)" in again.stderr, again.stderr


def _script(text: str, target: str, folder: Path) -> Path:
    compilation = compile_source(text, "lab.ns")
    assert compilation.plan is not None, compilation.diagnostics
    path = folder / f"{target}.setup.sh"
    path.write_text(render(compilation.plan, target, "setup"), encoding="utf-8")
    return path


def _setup_stderr(text: str, target: str, sandbox: Sandbox, folder: Path) -> str:
    with sandbox:
        result = sandbox.run(["bash", str(_script(text, target, folder))], timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stderr


BRIDGE_ONLY = """\
lab fw
ns red
ns blue
bridge br0 ip 10.61.0.1/24
veth red<->br0 ip 10.61.0.2/24
veth blue<->br0 ip 10.61.0.3/24
expect red ping 10.61.0.3
expect blue tcp 10.61.0.2:7000 reaches red
"""

FORWARD_ONLY = """\
lab fwd
ns dns
bridge br0 ip 172.21.0.1/24
veth dns<->br0 ip 172.21.0.53/24
route dns default via 172.21.0.1
forward tcp 8053 -> 172.21.0.53:53
expect outside tcp 192.168.1.2:8053 reaches dns:53
"""


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("text", [BRIDGE_ONLY, FORWARD_ONLY], ids=["bridge-only", "forward-only"])
def test_lab_without_nat_passes_a_docker_host(text: str, style: str) -> None:
    """The scenarios of issue 9 that failed before the lab-owned accepts (iptables target, Docker's
    FORWARD DROP, br_netfilter on): namespaces on one bridge reach each other, and a port forward
    without `nat` gets its replies back."""
    report, shown = _report_text(text, "iptables", style, Host("docker", True))
    assert report.passed, shown


def _report_text(text: str, target: str, style: str, host: Host) -> tuple[labtest.LabTestReport, str]:
    report = labtest.prove_lab(text, "lab.ns", target, style, host)
    shown = "\n".join([labtest.format_table(report.rows), labtest.format_details(report.rows), report.message])
    return report, shown


def test_bridge_accept_is_what_lets_the_lab_through(tmp_path: Path) -> None:
    """The same bridge-only lab with its accepts and without them (its chain emptied): with
    br_netfilter on, behind Docker's FORWARD DROP, red reaches blue only with them."""
    setup = _script(BRIDGE_ONLY, "iptables", tmp_path)
    with Sandbox(uplink=True, host_firewall="docker", br_netfilter=True) as sandbox:
        assert sandbox.run(["bash", str(setup)], timeout=60).returncode == 0
        ping = ["ping", "-n", "-q", "-c", "1", "-W", "1", "10.61.0.3"]
        assert labtest._poll(lambda: sandbox.run(ping, "red", timeout=5), 3.0).returncode == 0
        assert sandbox.run(["iptables", "-F", "nsgen-fw-fwd"]).returncode == 0
        assert sandbox.run(ping, "red", timeout=5).returncode != 0


def test_sandbox_host_firewalls_and_br_netfilter() -> None:
    """The sandbox options do what they say, inside the sandbox only."""
    assert set(HOST_FIREWALLS) == {"open", "docker", "nft-drop"}
    with Sandbox(host_firewall="docker", br_netfilter=False) as sandbox:
        assert "-P FORWARD DROP" in sandbox.run(["iptables", "-S", "FORWARD"]).stdout
        assert sandbox.run(["cat", "/proc/sys/net/bridge/bridge-nf-call-iptables"]).stdout.strip() == "0"
    with Sandbox(host_firewall="nft-drop", br_netfilter=True) as sandbox:
        assert "policy drop" in sandbox.run(["nft", "list", "table", "inet", "docker_like"]).stdout
        assert sandbox.run(["cat", "/proc/sys/net/bridge/bridge-nf-call-iptables"]).stdout.strip() == "1"
