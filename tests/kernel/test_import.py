"""nsgen import on the kernel.

1. A corpus of tutorial-style scripts (tests/import_corpus/: `ip netns exec` everywhere, `ip -n`,
   brctl with `iptables -A`, nft): the sandbox's state after running the script itself equals the
   state after running `nsgen build` of its import, compared by the sandbox snapshot. Compared as
   a lab sees it: links (kind, bridge, up/down, MTU), addresses, routes of every table, forwarding;
   left out are what nsgen adds on purpose and the script cannot have (its record under /run, the
   `nsgen:LAB` marks, `addrgenmode none`), and the firewall is compared by meaning (the NAT that
   `import --live` reads back from each sandbox), since nsgen's rules live in chains of their own.
2. `nsgen import --live` of a lab built in the sandbox gives back the lab (compared as compiled labs).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nsgen.compiler import compile_source
from nsgen.compiler.targets import render
from nsgen.harness.sandbox import Sandbox
from nsgen.importer import import_script
from nsgen.importer.canonical import canonical, differences
from nsgen.importer.live import import_live
from tests.kernel.conftest import skip_without_features
from tests.test_import_router import DUAL_ROUTER, HAND_ROUTER, HAND_ROUTER_LAB, ROUTER

pytestmark = pytest.mark.sandbox

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "import_corpus"
SCRIPTS = {"netns-exec.sh": "iptables", "ip-n.sh": "iptables", "brctl.sh": "iptables", "nft.sh": "nft",
           "overlay.sh": "nft", "blog.sh": "iptables", "ipv6.sh": "iptables",
           "ipv6-nft.sh": "nft", "ovs-vlans.sh": "iptables", "bridge-in-ns.sh": "nft",
           "vxlan-group.sh": "iptables"}
"""Each corpus script and the target its import is built with (the firewall the script uses)."""
OVS_SCRIPTS = {"ovs-vlans.sh"}
"""Scripts that need Open vSwitch: run in sandboxes with their own ovsdb-server and ovs-vswitchd."""

_NSGEN_ONLY = re.compile(r" (alias=nsgen:\S+|addrgenmode=\S+)")
_DERIVED = re.compile(r"addr \S+ inet6 fe80:")
"""The link-local address nsgen gives an interface under `addrgenmode none` (the snapshot already
leaves out the ones the kernel makes itself): nsgen's on purpose, as `addrgenmode none` is."""


def _lab_namespaces(sandbox: Sandbox) -> list[str]:
    return [name for name in sandbox.namespaces() if name != "outside"]


def _state(sandbox: Sandbox) -> list[str]:
    """The snapshot as a lab sees it, with the NAT read back by `import --live`."""
    facts = []
    for fact in sandbox.snapshot().facts:
        if fact.startswith("file ") or re.match(r"\[[^]]+\] (ip6?tables|nft) ", fact) or _DERIVED.search(fact):
            continue
        facts.append(_NSGEN_ONLY.sub("", fact))
    live = import_live(_lab_namespaces(sandbox), sandbox)
    nat = [line for line in live.text.splitlines() if line.startswith(("nat ", "forward "))]
    return sorted(facts + [f"firewall {line}" for line in nat] + _ovs_facts(sandbox))


def _ovs_facts(sandbox: Sandbox) -> list[str]:
    """Open vSwitch's state where the sandbox runs it: each bridge, each port with its bridge and its
    VLAN columns (tag, trunks, vlan_mode), as ovs-vsctl prints them."""
    if not sandbox.ovs:
        return []
    facts = []
    for bridge in sandbox.run(["ovs-vsctl", "--timeout=10", "list-br"]).stdout.split():
        facts.append(f"ovs bridge {bridge}")
        for port in sandbox.run(["ovs-vsctl", "--timeout=10", "list-ports", bridge]).stdout.split():
            tag, trunks, mode = sandbox.run(["ovs-vsctl", "--timeout=10", "get", "port", port, "tag", "trunks",
                                             "vlan_mode"]).stdout.splitlines()
            # no vlan_mode is Open vSwitch's `access` for a port with a tag, else `trunk` (ovs-vswitchd.conf.db(5))
            mode = mode if mode != "[]" else ("access" if tag != "[]" else "trunk")
            facts.append(f"ovs port {bridge} {port} tag={tag} trunks={trunks} vlan_mode={mode}")
    assert facts, "Open vSwitch runs in the sandbox, and the lab made bridges there"
    return facts


def _run(sandbox: Sandbox, script: str, shim: Path) -> None:
    done = sandbox.run(["env", f"PATH={shim}:/usr/sbin:/usr/bin:/sbin:/bin", "bash", "-s"], input=script,
                       timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def shim(tmp_path: Path) -> Path:
    """A `sudo` that runs its command (the scripts run as root in the sandbox; sudo may be missing)."""
    folder = tmp_path / "shim"
    folder.mkdir()
    sudo = folder / "sudo"
    sudo.write_text('#!/bin/sh\nexec "$@"\n')
    sudo.chmod(0o755)
    return folder


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_script_and_build_of_its_import_make_the_same_state(script: str, shim: Path) -> None:
    text = (CORPUS / script).read_text()
    imported = import_script(text, script)
    assert imported.ok, [d.message for d in imported.diagnostics]
    target = SCRIPTS[script]
    compiled = compile_source(imported.text, "imported.ns", target, "imported.ns")
    assert compiled.plan is not None, [d.message for d in compiled.diagnostics]
    setup = render(compiled.plan, target, "setup", "default")
    ovs = script in OVS_SCRIPTS
    with Sandbox(uplink=True, ovs=ovs) as sandbox:
        _run(sandbox, text, shim)
        original = _state(sandbox)
    with Sandbox(uplink=True, ovs=ovs) as sandbox:
        _run(sandbox, setup, shim)
        rebuilt = _state(sandbox)
    firewall = script not in ("ip-n.sh", "overlay.sh", "ovs-vlans.sh", "bridge-in-ns.sh", "vxlan-group.sh")
    assert any(fact.startswith("firewall ") for fact in original) == firewall
    gone = sorted(set(original) - set(rebuilt))
    new = sorted(set(rebuilt) - set(original))
    assert original == rebuilt, "\n".join([f"- {f}" for f in gone] + [f"+ {f}" for f in new])


@pytest.mark.parametrize("script", ["ovs-vlans.sh", "bridge-in-ns.sh", "vxlan-group.sh"])
def test_live_import_of_a_hand_written_script_is_its_import(script: str, shim: Path) -> None:
    """The hand-written Open vSwitch (VLANs, a trunk), bridge-in-a-namespace and VXLAN-group scripts,
    run in the sandbox and read back by `import --live`, give the lab their script imports to
    (compared as compiled labs; a script sets no MAC, so --live reads none)."""
    text = (CORPUS / script).read_text()
    imported = import_script(text, script)
    assert imported.ok, [d.message for d in imported.diagnostics]
    with Sandbox(uplink=True, ovs=script in OVS_SCRIPTS) as sandbox:
        _run(sandbox, text, shim)
        live = import_live(_lab_namespaces(sandbox), sandbox)
    assert live.ok, [d.message for d in live.diagnostics]
    # the script leaves the kernel's IPv6 link-local addresses on (it never sets addrgenmode), which
    # --live reads as `ipv6 link-local` and a script's import leaves out (docs/import.md, IPv6 link-local)
    assert "ipv6 link-local" in live.text
    one = canonical("ipv6 link-local\n" + imported.text, "lab.ns", name=False)
    two = canonical(live.text, "lab.ns", name=False)
    assert one == two, "\n".join(differences(one, two)) + "\n" + live.text


LIVE_LABS = sorted(
    path for path in [*ROOT.glob("golden/*/*.ns"), *ROOT.glob("examples/*.ns")]
    # what --live cannot tell apart (docs/import.md, "What --live reads"): a route's `dev` next to
    # its `via`, sysctls other than forwarding (router, router-host), a bridge MTU its ports already
    # give it (bridge-mtu); router's MACs are read (test_live_reads_macs_given_and_leaves_random_ones)
    if path.parent.name not in ("router", "router-host", "bridge-mtu")
    # `router NS` beside the namespace's own NAT (router-nat: the same forwarding either way), and
    # golden/services's `sh -c '...; exec sleep 1000'`, whose command line is sleep's by then (a
    # `run` is read only while its command line is the one nsgen started, docs/import.md)
    and path.stem != "router-nat" and path.parent.name != "services"
    # a lab across machines (docs/machines.md) has no one host to read it back from
    and "\nmachine " not in path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("built", LIVE_LABS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_live_import_of_a_built_lab_gives_back_the_lab(built: Path) -> None:
    _live_round_trip(built, "iptables")


@pytest.mark.parametrize("built", [ROOT / "examples" / "seed.ns", ROOT / "examples" / "pods.ns",
                                   ROOT / "golden" / "dualstack" / "dualstack.ns",
                                   ROOT / "golden" / "ipv6-only" / "ipv6-only.ns",
                                   ROOT / "golden" / "router-filter" / "router-filter.ns"],
                         ids=lambda p: p.stem)
def test_live_import_reads_nft_rules(built: Path) -> None:
    _live_round_trip(built, "nft")


@pytest.mark.parametrize("firewall", ["iptables", "nft"])
def test_live_import_of_a_dual_stack_deny_router(firewall: str, tmp_path: Path) -> None:
    lab = tmp_path / "dual-router.ns"
    lab.write_text(DUAL_ROUTER)
    _live_round_trip(lab, firewall)


@pytest.mark.parametrize("firewall", ["iptables", "nft"])
def test_live_import_of_a_hand_written_deny_router(firewall: str) -> None:
    with Sandbox(uplink=True) as sandbox:
        done = sandbox.run(["bash", "-euo", "pipefail", "-s"], input=ROUTER + HAND_ROUTER[firewall], timeout=60)
        assert done.returncode == 0, done.stderr
        result = import_live(_lab_namespaces(sandbox), sandbox)
    assert result.ok and not result.diagnostics, [d.message for d in result.diagnostics]
    expected = "ipv6 link-local\n" + HAND_ROUTER_LAB  # (--live reads the kernel's addrgenmode)
    one, two = canonical(expected, "live.ns", name=False), canonical(result.text, "live.ns", name=False)
    assert one == two, "\n".join(differences(one, two)) + "\n" + result.text


def test_live_command_line(tmp_path: Path) -> None:
    """`nsgen import --live red blue` run inside the sandbox (reading it through `ip netns exec`):
    the seed lab back, exit 0; a namespace that is not there: E326, exit 1."""
    import sys

    seed = ROOT / "examples" / "seed.ns"
    compiled = compile_source(seed.read_text(), seed.name, "iptables", seed.name)
    assert compiled.plan is not None
    with Sandbox(uplink=True) as sandbox:
        done = sandbox.run(["bash", "-s"], input=render(compiled.plan, "iptables", "setup", "default"), timeout=60)
        assert done.returncode == 0, done.stderr
        live = sandbox.run([sys.executable, "-m", "nsgen.cli", "import", "--live", "red", "blue"], timeout=60)
        missing = sandbox.run([sys.executable, "-m", "nsgen.cli", "import", "--live", "bleu"], timeout=60)
    assert live.returncode == 0, live.stderr
    assert canonical(live.stdout, seed.name) == canonical(seed.read_text(), seed.name)
    assert missing.returncode == 1 and "error[E326]" in missing.stderr and "no namespace bleu" in missing.stderr


def test_live_reads_macs_given_and_leaves_random_ones() -> None:
    """golden/router gives red<->r1 two MACs and its other veth none: --live reads exactly those two
    (sysfs's addr_assign_type tells a MAC set from a random one), on the ends they were given to."""
    lab = ROOT / "golden" / "router" / "router.ns"
    compiled = compile_source(lab.read_text(), lab.name, "iptables", lab.name)
    assert compiled.plan is not None
    with Sandbox(uplink=True) as sandbox:
        done = sandbox.run(["bash", "-s"], input=render(compiled.plan, "iptables", "setup", "default"), timeout=60)
        assert done.returncode == 0, done.stderr
        result = import_live(_lab_namespaces(sandbox), sandbox)
    veths = [" ".join(line.split()) for line in result.text.splitlines() if line.startswith("veth")]
    # each MAC on its end, whichever end the pair is written from
    assert [line for line in veths if " mac " in line] in (
        ["veth red<->r1 ip 10.0.1.2/24, 10.0.1.1/24 mac 02:00:00:00:01:02, 02:00:00:00:01:01"],
        ["veth r1<->red ip 10.0.1.1/24, 10.0.1.2/24 mac 02:00:00:00:01:01, 02:00:00:00:01:02"]), veths


def _live_round_trip(lab: Path, target: str) -> None:
    source = lab.read_text()
    skip_without_features(source)
    compiled = compile_source(source, lab.name, target, lab.name)
    assert compiled.plan is not None
    ovs = "type ovs" in source
    with Sandbox(uplink=True, ovs=ovs) as sandbox:
        done = sandbox.run(["bash", "-s"], input=render(compiled.plan, target, "setup", "default"), timeout=60)
        assert done.returncode == 0, done.stderr
        result = import_live(_lab_namespaces(sandbox), sandbox)
    assert result.ok, [d.message for d in result.diagnostics]
    one, two = canonical(source, lab.name), canonical(result.text, lab.name)
    assert one == two, "\n".join(differences(one, two)) + "\n" + result.text
