"""IPv6 link-local addressing on the lab's interfaces in namespaces.

By default nsgen raises them with `addrgenmode none`, so they get no fe80:: address (and send
no IPv6 neighbour, router or listener messages); `ipv6 link-local` leaves the kernel's default.
The absence check waits as long as the control case needs to see the addresses appear, so it
can fail. An MTU below IPv6's minimum (1280) leaves no IPv6 to configure: setup still works.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nsgen.compiler.styles import GUARDED_STYLES, STYLES
from nsgen.harness.sandbox import Sandbox
from tests.scriptcheck import write_scripts

pytestmark = pytest.mark.sandbox

LAB = """\
ns red
ns blue
ns green
bridge br0 ip 10.9.0.1/24
veth red<->br0 ip 10.9.0.2/24
veth blue<->br0 ip 10.9.0.3/24
veth red:side<->green:side ip 10.8.0.1/24, 10.8.0.2/24
"""
ENDS = (("red", "veth-red"), ("blue", "veth-blue"), ("red", "side"), ("green", "side"))
WAIT = 5.0


def _setup(sandbox: Sandbox, source: str, style: str, workdir: Path) -> None:
    script, _ = write_scripts(source, "lab.ns", style, workdir)
    run = sandbox.run(["bash", str(script)], timeout=60)
    assert run.returncode == 0, run.stderr


def _link_local(sandbox: Sandbox) -> dict[tuple[str, str], bool]:
    """For each lab end: does it have an fe80:: address now?"""
    found = {}
    for netns, ifname in ENDS:
        shown = sandbox.run(["ip", "-6", "-o", "addr", "show", "dev", ifname, "scope", "link"], netns=netns)
        assert shown.returncode == 0, shown.stderr
        found[(netns, ifname)] = "fe80::" in shown.stdout
    return found


def _watch(sandbox: Sandbox, until_all: bool) -> dict[tuple[str, str], bool]:
    """Poll the ends for up to WAIT seconds (stop early once all have fe80:: if `until_all`)."""
    deadline = time.monotonic() + WAIT
    seen = _link_local(sandbox)
    while time.monotonic() < deadline and not (until_all and all(seen.values())):
        time.sleep(0.25)
        seen = {end: had or now for (end, had), now in zip(seen.items(), _link_local(sandbox).values(), strict=True)}
    return seen


@pytest.mark.parametrize("style", STYLES)
def test_namespace_ends_get_no_link_local_address(style: str, tmp_path: Path) -> None:
    with Sandbox() as sandbox:
        _setup(sandbox, LAB, style, tmp_path)
        seen = _watch(sandbox, until_all=False)
        assert not any(seen.values()), f"fe80:: addresses appeared on {[e for e, had in seen.items() if had]}"
        modes = sandbox.run(["ip", "-d", "link", "show", "dev", "veth-red"], netns="red")
        assert "addrgenmode none" in modes.stdout


@pytest.mark.parametrize("style", STYLES)
def test_ipv6_link_local_keeps_the_kernel_default(style: str, tmp_path: Path) -> None:
    with Sandbox() as sandbox:
        _setup(sandbox, "ipv6 link-local\n" + LAB, style, tmp_path)
        seen = _watch(sandbox, until_all=True)
        assert all(seen.values()), f"no fe80:: address on {[e for e, had in seen.items() if not had]}"


@pytest.mark.parametrize("style", STYLES)
def test_small_mtu_has_no_ipv6_to_configure(style: str, tmp_path: Path) -> None:
    source = "ns red\nbridge br0 ip 10.9.0.1/24\nveth red<->br0 ip 10.9.0.2/24 mtu 1200\n"
    with Sandbox() as sandbox:
        _setup(sandbox, source, style, tmp_path)
        shown = sandbox.run(["ip", "-o", "link", "show", "dev", "veth-red"], netns="red")
        assert "mtu 1200" in shown.stdout and "UP" in shown.stdout
        if style in GUARDED_STYLES:  # plain gives up idempotency
            _setup(sandbox, source, style, tmp_path)  # and again: nothing to change


@pytest.mark.parametrize("style", STYLES)
def test_many_namespace_ends_on_one_bridge_get_no_link_local_address(style: str, tmp_path: Path) -> None:
    """40 namespaces at once, where the kernel's link-state work is batched and slower."""
    count = 40
    lines = ["bridge br0 ip 10.9.0.1/24"]
    for i in range(1, count + 1):
        lines += [f"ns n{i}", f"veth n{i}<->br0 ip 10.9.0.{i + 1}/24"]
    with Sandbox() as sandbox:
        _setup(sandbox, "\n".join(lines) + "\n", style, tmp_path)
        time.sleep(WAIT / 2)
        with_link_local = [
            f"n{i}" for i in range(1, count + 1)
            if "fe80::" in sandbox.run(["ip", "-6", "-o", "addr", "show", "scope", "link"], netns=f"n{i}").stdout
        ]
        assert not with_link_local, f"fe80:: addresses in {with_link_local}"
