"""Rules inside namespaces in both address families on the kernel, in both targets.

`golden/router-nat6` (a dual-stack router: `nat r1` and `forward r1` of each family) and
`golden/isolate6` (`isolate`/`allow` of a dual-stack and an IPv6-only namespace, `allow outside`
through the host's IPv6 forward) pass `nsgen test` in every style (tests/kernel/test_labs.py:
their expectations, setup twice changing nothing, teardown leaving the sandbox as it was). Here
what that cannot show: the `no` expectations fail without the rules (so the rules are what block
them), neighbour discovery is what the ICMPv6 accepts keep alive, a namespace that was there before
keeps exactly its own rules of both families (teardown, rollback, an edited lab that drops a family),
and an `ip` table an earlier nsgen left in a namespace goes when the table becomes `inet`.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from nsgen.compiler.styles import GUARDED_STYLES
from nsgen.harness import labtest
from nsgen.harness.sandbox import Sandbox
from tests.conftest import ROOT
from tests.scriptcheck import write_scripts

pytestmark = pytest.mark.sandbox

ISOLATE6 = (ROOT / "golden" / "isolate6" / "isolate6.ns").read_text(encoding="utf-8")
ROUTER6 = (ROOT / "golden" / "router-nat6" / "router-nat6.ns").read_text(encoding="utf-8")

LAB = """\
lab nsnat6
ns red
ns r1
ns edge
veth red<->r1 ip 10.0.1.2/24, 10.0.1.1/24, fd00:11::2/64, fd00:11::1/64
veth r1:eth1<->edge ip 10.0.2.1/24, 10.0.2.2/24, fd00:12::1/64, fd00:12::2/64
route red default via 10.0.1.1
route red default via fd00:11::1
nat r1 masquerade 10.0.1.0/24 out eth1
nat r1 masquerade fd00:11::/64 out eth1
forward r1 tcp 8080 -> 10.0.1.2:80 in eth1
forward r1 tcp 8080 -> [fd00:11::2]:80 in eth1
"""

OWN_RULES = {
    # r1's own rules, made before the lab, in both families
    "iptables": [["iptables", "-t", "nat", "-N", "mine"],
                 ["iptables", "-t", "nat", "-A", "mine", "-s", "10.9.0.0/24", "-j", "MASQUERADE"],
                 ["iptables", "-t", "nat", "-A", "POSTROUTING", "-j", "mine"],
                 ["ip6tables", "-t", "nat", "-N", "mine6"],
                 ["ip6tables", "-t", "nat", "-A", "mine6", "-s", "fd00:99::/64", "-j", "MASQUERADE"],
                 ["ip6tables", "-t", "nat", "-A", "POSTROUTING", "-j", "mine6"],
                 ["ip6tables", "-A", "FORWARD", "-s", "fd00:99::/64", "-j", "DROP"]],
    "nft": [["nft", "add table inet mine; add chain inet mine post { type nat hook postrouting priority 100; }; "
             "add rule inet mine post ip6 saddr fd00:99::/64 masquerade"]],
}


def _ok(sandbox: Sandbox, command: list[str], netns: str | None = None) -> str:
    run = sandbox.run(command, netns=netns, timeout=60)
    assert run.returncode == 0, f"{' '.join(command)}: {run.stderr}"
    return run.stdout


def _firewall(sandbox: Sandbox, netns: str, target: str) -> str:
    """Every rule and chain of the namespace in both families, as the target's tools list them."""
    if target == "iptables":
        return "".join(_ok(sandbox, [tool, *table, "-S"], netns) for tool in ("iptables", "ip6tables")
                       for table in (["-t", "nat"], []))
    return _ok(sandbox, ["nft", "list", "ruleset"], netns)


def _lab_rules(sandbox: Sandbox, netns: str, target: str, tool: str) -> int:
    """How many lines of the lab's rules one family's tool (iptables, ip6tables; nft: ruleset) lists."""
    if target == "nft":
        return _ok(sandbox, ["nft", "list", "ruleset"], netns).count("nsgen-nsnat6")
    return sum(_ok(sandbox, [tool, *table, "-S"], netns).count("nsgen-nsnat6") for table in (["-t", "nat"], []))


def _prepare(sandbox: Sandbox, target: str) -> str:
    """r1 made before the lab, with rules of its own in both families; its firewall as it then is."""
    _ok(sandbox, ["ip", "netns", "add", "r1"])
    for command in OWN_RULES[target]:
        _ok(sandbox, command, "r1")
    return _firewall(sandbox, "r1", target)


def _prove(text: str, target: str, style: str = "default") -> tuple[labtest.LabTestReport, str]:
    report = labtest.prove_lab(text, "lab6.ns", target, style)
    return report, "\n".join([labtest.format_table(report.rows), labtest.format_details(report.rows), report.message])


def test_without_isolate_the_blocked_ipv6_connections_pass(target: str) -> None:
    """The control of golden/isolate6: without its `isolate` lines (the allows then warn W191 and
    add nothing), exactly its `no` expectations about blue and gold fail: those are what the rules
    block, IPv6 ones included."""
    lab = ISOLATE6.replace("isolate blue\n", "").replace("isolate gold\n", "")
    report, shown = _prove(lab, target)
    failed = {row.statement for row in report.rows if not row.passed}
    expected = {line.split("#")[0].strip() for line in ISOLATE6.splitlines()
                if line.startswith("expect green no ") or line.startswith("expect red no ")}
    assert len(expected) == 8 and failed == expected, shown


def test_without_nat_in_the_router_ipv6_is_not_masqueraded(target: str) -> None:
    """The control of golden/router-nat6: without its IPv6 `nat r1`/`forward r1` lines (r1 still a
    router), red's IPv6 reaches nothing beyond r1 (edge has no route back to red's subnet: the
    masquerade is what brings the replies back) and r1's IPv6 ports reach nothing; IPv4 is as before."""
    lab = "\n".join(line for line in ROUTER6.splitlines()
                    if not line.startswith(("nat r1 masquerade fd00", "forward r1 tcp 8080 -> [", "forward r1 udp")))
    report, shown = _prove(lab + "\n", target)
    failed = {row.statement.split("#")[0].strip() for row in report.rows if not row.passed}
    assert failed == {"expect red ping fd00:12::2", "expect red tcp [fd00:12::2]:9000 reaches edge from fd00:12::1",
                      "expect edge tcp [fd00:12::1]:8080 reaches red:80",
                      "expect edge udp [fd00:12::1]:5353 reaches red:53"}, shown


def _drop_nd_accepts(sandbox: Sandbox, target: str, netns: str) -> None:
    """Delete the isolation's ICMPv6 neighbour discovery accepts in `netns` (and nothing else)."""
    if target == "iptables":
        rules = _ok(sandbox, ["ip6tables", "-S", "nsgen-isolate6-in"], netns).splitlines()
        found = [rule for rule in rules if "--icmpv6-type" in rule]
        assert len(found) == 4, rules
        for rule in found:
            _ok(sandbox, ["ip6tables", "-D", *shlex.split(rule)[1:]], netns)
        return
    listing = _ok(sandbox, ["nft", "-a", "list", "chain", "inet", "nsgen-isolate6", "input"], netns)
    handles = re.findall(r"icmpv6 type .* # handle (\d+)", listing)
    assert len(handles) == 1, listing
    _ok(sandbox, ["nft", "delete", "rule", "inet", "nsgen-isolate6", "input", "handle", handles[0]], netns)


def _ping6(sandbox: Sandbox, netns: str, address: str) -> bool:
    return sandbox.run(["ping", "-6", "-n", "-c", "1", "-W", "2", address], netns=netns, timeout=30).returncode == 0


def test_isolation_keeps_neighbour_discovery(target: str, tmp_path: Path) -> None:
    """blue (isolated, dual-stack) pings green over IPv6 with its neighbours forgotten; with the
    ICMPv6 neighbour discovery accepts deleted from its rules, the same ping fails (the neighbour
    advertisements are no reply to a connection): the accepts are what keeps IPv6 working."""
    setup, down = write_scripts(ISOLATE6, "isolate6.ns", "default", tmp_path, target)
    with Sandbox(uplink=True) as sandbox:
        _ok(sandbox, ["bash", str(setup)])
        for netns in ("blue", "green"):
            _ok(sandbox, ["ip", "-6", "neigh", "flush", "all"], netns)
        assert _ping6(sandbox, "blue", "fd00:20::3")
        _drop_nd_accepts(sandbox, target, "blue")
        for netns in ("blue", "green"):
            _ok(sandbox, ["ip", "-6", "neigh", "flush", "all"], netns)
        assert not _ping6(sandbox, "blue", "fd00:20::3")
        _ok(sandbox, ["bash", str(down)])


def test_ipv6_only_namespace_gets_no_ipv4_rule(target: str, tmp_path: Path) -> None:
    """gold has IPv6 addresses only: after setup its IPv4 firewall holds nothing of the lab."""
    setup, down = write_scripts(ISOLATE6, "isolate6.ns", "default", tmp_path, target)
    with Sandbox(uplink=True) as sandbox:
        _ok(sandbox, ["bash", str(setup)])
        if target == "iptables":
            four = _ok(sandbox, ["iptables", "-S"], "gold") + _ok(sandbox, ["iptables", "-t", "nat", "-S"], "gold")
            six = _ok(sandbox, ["ip6tables", "-S"], "gold")
            assert "nsgen-isolate6" not in four and "nsgen-isolate6-in" in six, four + six
        else:
            table = _ok(sandbox, ["nft", "list", "table", "inet", "nsgen-isolate6"], "gold")
            assert "ip saddr" not in table and "meta nfproto ipv6 drop" in table, table
        _ok(sandbox, ["bash", str(down)])


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_teardown_leaves_a_namespace_own_rules_of_both_families(target: str, style: str, tmp_path: Path) -> None:
    setup, down = write_scripts(LAB, "nsnat6.ns", style, tmp_path, target)
    with Sandbox() as sandbox:
        before = _prepare(sandbox, target)
        _ok(sandbox, ["bash", str(setup)])
        assert _lab_rules(sandbox, "r1", target, "ip6tables") > 0
        assert _lab_rules(sandbox, "r1", target, "iptables") > 0
        _ok(sandbox, ["bash", str(setup)])  # a second run loads the same rules, once
        # 2 forwards, PREROUTING and OUTPUT (not the accepts' `--ctstate DNAT` / `ct status dnat`)
        assert len(re.findall(r"-j dnat|dnat ip6? to", _firewall(sandbox, "r1", target).lower())) == 4
        record = _ok(sandbox, ["cat", "/run/nsgen/labs/nsnat6/record"])
        assert record.count("+ nsrules r1") == 1, record
        _ok(sandbox, ["bash", str(down)])
        assert _firewall(sandbox, "r1", target) == before
        assert sandbox.namespaces() == ["r1"]


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_rollback_removes_the_rules_of_both_families(target: str, style: str, tmp_path: Path) -> None:
    """A step after the rules fails: the rollback removes the lab's rules of both families from r1
    and leaves r1's own."""
    broken = LAB + "sysctl r1 net.ipv6.conf.nosuchif.forwarding=1\n"
    setup, _down = write_scripts(broken, "nsnat6.ns", style, tmp_path, target)
    with Sandbox() as sandbox:
        before = _prepare(sandbox, target)
        run = sandbox.run(["bash", str(setup)], timeout=60)
        assert run.returncode != 0 and "undoing what this run created" in run.stderr, run.stderr
        assert _firewall(sandbox, "r1", target) == before
        assert sandbox.namespaces() == ["r1"]


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_edited_lab_without_ipv6_rules_removes_them(target: str, style: str, tmp_path: Path) -> None:
    """The lab file loses its IPv6 `nat r1`/`forward r1` lines: the next setup leaves no IPv6 rule
    of the lab in r1 (iptables: its ip6tables chains are gone), keeps the IPv4 ones, and teardown
    then leaves r1's own rules as they were."""
    setup, down = write_scripts(LAB, "nsnat6.ns", style, tmp_path / "a", target, identity="/labs/nsnat6.ns")
    edited = "".join(line + "\n" for line in LAB.splitlines() if not (line.startswith(("nat ", "forward "))
                                                                       and "fd00" in line))
    setup2, _down2 = write_scripts(edited, "nsnat6.ns", style, tmp_path / "b", target, identity="/labs/nsnat6.ns")
    with Sandbox() as sandbox:
        before = _prepare(sandbox, target)
        _ok(sandbox, ["bash", str(setup)])
        _ok(sandbox, ["bash", str(setup2)])
        if target == "iptables":
            assert _lab_rules(sandbox, "r1", target, "ip6tables") == 0, _firewall(sandbox, "r1", target)
            assert _lab_rules(sandbox, "r1", target, "iptables") > 0
        else:
            table = _ok(sandbox, ["nft", "list", "table", "inet", "nsgen-nsnat6"], "r1")
            assert "ip6 " not in table and "ip saddr 10.0.1.0/24" in table, table
        _ok(sandbox, ["bash", str(down)])
        assert _firewall(sandbox, "r1", target) == before


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_an_ip_table_of_an_earlier_nsgen_goes(style: str, tmp_path: Path) -> None:
    """nft: r1 holds `table ip nsgen-nsnat6`, as nsgen made before its namespace tables were
    `inet`: setup replaces it by the inet table in its one transaction, and teardown leaves r1's
    own tables only."""
    setup, down = write_scripts(LAB, "nsnat6.ns", style, tmp_path, "nft")
    with Sandbox() as sandbox:
        before = _prepare(sandbox, "nft")
        _ok(sandbox, ["nft", "add table ip nsgen-nsnat6; add chain ip nsgen-nsnat6 forward "
                      "{ type filter hook forward priority 0; }"], "r1")
        _ok(sandbox, ["bash", str(setup)])
        tables = _ok(sandbox, ["nft", "list", "tables"], "r1")
        assert "table inet nsgen-nsnat6" in tables and "table ip nsgen-nsnat6" not in tables, tables
        _ok(sandbox, ["bash", str(down)])
        assert _firewall(sandbox, "r1", "nft") == before
