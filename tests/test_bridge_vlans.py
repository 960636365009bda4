"""VLANs on Linux bridges (issue 14), without a kernel: what the lowering decides (which bridges
filter VLANs, which VLAN a bridge's own address is in, the commands of access and trunk ports) and
what the scripts' helpers do with `bridge vlan show` output. The helpers run in bash against a
stub `bridge` shell function that prints canned output and logs its calls: nothing reaches a
network. (The kernel here has no bridge VLAN filtering: tests/kernel/test_bridge_vlans.py runs
the lab where a probe finds it.)"""

from __future__ import annotations

import re
import subprocess

from nsgen.compiler import compile_source
from nsgen.compiler.plan import LabPlan
from nsgen.compiler.steps import AddLink, BridgeVlan, lower
from nsgen.compiler.targets import render
from tests.conftest import ROOT

LAB = (ROOT / "golden" / "bridge-vlans" / "bridge-vlans.ns").read_text(encoding="utf-8")


def _plan(text: str) -> LabPlan:
    compiled = compile_source(text, "lab.ns", "iptables", "lab.ns")
    assert compiled.plan is not None, compiled.diagnostics
    return compiled.plan


def _vlan_words(text: str) -> list[tuple[str | None, str, int, bool, bool, bool]]:
    return [(s.netns, s.ifname, s.vid, s.add, s.access, s.on_bridge)
            for s in lower(_plan(text)).setup if isinstance(s, BridgeVlan)]


def test_access_and_trunk_ports() -> None:
    """An access port leaves VLAN 1 for its VLAN (pvid, untagged); a trunk leaves VLAN 1 and
    carries its VLANs tagged; an untagged port gets no `bridge vlan` command."""
    words = _vlan_words(LAB)
    assert words[2:4] == [(None, "veth-red-br", 1, False, False, False), (None, "veth-red-br", 10, True, True, False)]
    trunk = [w for w in words if w[1] == "veth-br0-br"]
    assert trunk == [(None, "veth-br0-br", 1, False, False, False), (None, "veth-br0-br", 10, True, False, False),
                     (None, "veth-br0-br", 20, True, False, False)]
    assert not [w for w in words if w[1] == "veth-grey-br"]


def test_only_bridges_with_vlan_ports_filter() -> None:
    text = LAB + "bridge br5\nns teal\nveth teal<->br5 ip 10.5.0.1/24\n"
    filtering = {(s.netns, s.ifname): s.vlan_filtering for s in lower(_plan(text)).setup
                 if isinstance(s, AddLink) and s.type == "bridge"}
    assert filtering == {(None, "br0"): True, (None, "br1"): True, ("r1", "br2"): True, (None, "br5"): False}


def test_bridge_address_goes_to_the_vlan_of_its_subnet() -> None:
    """br2's address shares its subnet with pink's (VLAN 40): the bridge itself leaves VLAN 1 for 40;
    a bridge whose subnet holds no access port's address stays in VLAN 1 (no `self` command)."""
    words = _vlan_words(LAB)
    assert words[:2] == [("r1", "br2", 1, False, False, True), ("r1", "br2", 40, True, True, True)]
    elsewhere = "ns red\nbridge br0 ip 10.9.0.254/24\nveth red<->br0 ip 10.0.0.1/24 tag 10\n"
    assert [w for w in _vlan_words(elsewhere) if w[5]] == []


def _helper(script: str, name: str) -> str:
    match = re.search(rf"^{name}\(\) {{\n.*?^}}\n", script, re.M | re.S)
    assert match, f"the script has no {name}"
    return match.group(0)


VLAN_SHOW = """port              vlan-id
veth-red-br       1 PVID Egress Untagged
                  10
br0               1 PVID Egress Untagged

veth-blue-br      20 PVID Egress Untagged
"""
"""`bridge vlan show` as iproute2 prints it: a port's first line names it, the next ones give a VLAN each."""


def _bash(functions: str, body: str) -> subprocess.CompletedProcess[str]:
    stub = ("bridge() { printf '%s\\n' \"$*\" >>\"$tmp/calls\"; "
            "if [ \"${*: -4}\" = 'vlan show dev veth-red-br' ] || [ \"${*: -2}\" = 'vlan show' ]; then "
            "cat \"$tmp/show\"; elif [ \"${*: -2:1}\" = -batch ]; then cat \"${*: -1}\" >\"$tmp/batch\"; fi; }\n")
    program = ("set -euo pipefail\ntmp=$(mktemp -d)\ntrap 'rm -rf \"$tmp\"' EXIT\n"
               f"cat >\"$tmp/show\" <<'SHOW'\n{VLAN_SHOW}SHOW\n{stub}{functions}{body}")
    return subprocess.run(["bash", "-c", program], capture_output=True, text=True, timeout=30, check=False)


def test_has_vlan_reads_bridge_vlan_show() -> None:
    script = render(_plan(LAB), "iptables", "setup", "default")
    body = ("for vid in 1 10 20 5; do\n"
            "  if has_vlan '' veth-red-br \"$vid\"; then echo \"$vid yes\"; else echo \"$vid no\"; fi\n"
            "done\n")
    run = _bash(_helper(script, "has_vlan"), body)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:4] == ["1 yes", "10 yes", "20 no", "5 no"]


def test_bridge_batch_leaves_out_a_delete_of_a_vlan_gone_already() -> None:
    """A rerun of the batch style: `vlan del` of VLAN 1 where the port still has it stays; where
    it is gone (veth-blue-br) it becomes a comment; adds stay; `-n NS` reaches every call."""
    script = render(_plan(LAB), "iptables", "setup", "batch")
    body = ("bridge_batch r1 <<'BRIDGE'\nvlan del dev veth-red-br vid 1\nvlan del dev veth-blue-br vid 1\n"
            "vlan add dev veth-blue-br vid 20 pvid untagged\nvlan del dev br0 vid 1 self\nBRIDGE\n"
            "cat \"$tmp/batch\"; echo ---; cat \"$tmp/calls\"\n")
    run = _bash(_helper(script, "bridge_batch"), body)
    assert run.returncode == 0, run.stderr
    batch, calls = run.stdout.split("---\n")
    assert batch.splitlines() == ["vlan del dev veth-red-br vid 1", "# (gone already) vlan del dev veth-blue-br vid 1",
                                  "vlan add dev veth-blue-br vid 20 pvid untagged", "vlan del dev br0 vid 1 self"]
    assert [line.split(" -batch ")[0] for line in calls.splitlines()] == ["-n r1 vlan show", "-n r1"]


def test_inspect_and_plan_show_bridge_vlans() -> None:
    inspect = render(_plan(LAB), "iptables", "inspect", "default")
    assert "bridge vlan show" in inspect and "bridge -n r1 vlan show" in inspect
    plan = render(_plan(LAB), "iptables", "plan", "default")
    assert "vlan_there '' veth-red-br 10" in plan and "vlan_there r1 br2 40" in plan


ADOPTED = """lab adopted
ns pink
bridge br0 ip 10.0.40.254/24
veth pink<->br0 ip 10.0.40.1/24 tag 40
"""
"""A host bridge (there before the lab, in the test) whose address is in the VLAN of its port."""

IP_D_LINK = ("5: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default "
             "qlen 1000\\    link/ether 02:00:00:00:00:05 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 "
             "\\    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 priority 32768 "
             "vlan_filtering 0 vlan_protocol 802.1Q bridge_id 8000.2:0:0:0:0:5 addrgenmode eui64")
"""`ip -d -o link show dev br0` of a bridge without VLAN filtering, as iproute2 prints it."""


def test_a_bridge_that_was_there_gets_its_vlan_filtering_and_own_vlan_back() -> None:
    """keep_vlans keeps, once, that the bridge did not filter and the lab's VLAN for its address;
    put_back (teardown, or forget_lab after a rollback) returns its own VLAN to VLAN 1 and turns
    filtering off again, besides the MTU and addresses keep_prior kept. Run against stubs of `ip`,
    `bridge` and `link_exists`, with the lab's folder moved into a temporary one."""
    plan = _plan(ADOPTED)
    setup, down = render(plan, "iptables", "setup", "default"), render(plan, "iptables", "down", "default")
    assert "keep_vlans br0 40" in setup and "ip link set dev br0 type bridge vlan_filtering 1" in setup
    functions = (_helper(setup, "keep_vlans") + _helper(down, "put_back")).replace("/run/nsgen/labs/", "$tmp/")
    stubs = ("ip() { printf 'ip %s\\n' \"$*\" >>\"$tmp/calls\"; "
             f"if [ \"$*\" = '-d -o link show dev br0' ]; then printf '%s\\n' '{IP_D_LINK}'; fi; }}\n"
             "link_exists() { [ \"$2\" = br0 ]; }\n")
    body = ("mkdir -p \"$tmp/adopted/prior\"\n"
            "printf 'mtu 1500\\nup 1\\nlab 10.0.40.254/24\\n' >\"$tmp/adopted/prior/br0\"\n"
            "keep_vlans br0 40\nkeep_vlans br0 40\ncat \"$tmp/adopted/prior/br0\"; echo ---\n"
            ": >\"$tmp/calls\"\nput_back br0\ncat \"$tmp/calls\"; echo ---\n"
            "if [ -e \"$tmp/adopted/prior/br0\" ]; then echo kept; else echo gone; fi\n")
    run = _bash(stubs + functions, body)
    assert run.returncode == 0, run.stderr
    kept, calls, left = run.stdout.split("---\n")
    assert kept.splitlines() == ["mtu 1500", "up 1", "lab 10.0.40.254/24", "filtering 0", "selfvlan 40"]
    assert calls.splitlines() == [
        "ip addr del 10.0.40.254/24 dev br0",
        "vlan del dev br0 vid 40 self",
        "vlan add dev br0 vid 1 pvid untagged self",
        "ip link set dev br0 type bridge vlan_filtering 0",
        "ip link set dev br0 mtu 1500",
    ], calls
    assert left.strip() == "gone"
