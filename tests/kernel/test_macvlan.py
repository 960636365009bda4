"""macvlan (issue 14) beyond the golden case's expect lines: a macvlan in a namespace that was there
before is deleted by teardown through the lab's record (its parent stays, so the kernel would not
take it along); a parent the host lacks stops setup in its preflight, naming it, before anything
changes; a parent that is the host's own interface (the sandbox's uplink `eth0`, a veth whose
peer is the namespace `outside`: never a real host interface) carries the lab's traffic out."""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen.compiler.styles import GUARDED_STYLES
from nsgen.harness.sandbox import Sandbox
from tests.scriptcheck import write_scripts

pytestmark = pytest.mark.sandbox


def _scripts(text: str, target: str, style: str, folder: Path) -> tuple[Path, Path]:
    return write_scripts(text, "lab.ns", style, folder, target, "lab.ns")


def _links(sandbox: Sandbox, ns: str) -> str:
    return sandbox.run(["ip", "-n", ns, "-o", "link", "show"]).stdout


def _ping(sandbox: Sandbox, ns: str, address: str) -> int:
    return sandbox.run(["ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "2", address], timeout=10).returncode


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_a_macvlan_in_a_namespace_that_was_there_before_goes_with_teardown(target: str, style: str,
                                                                           tmp_path: Path) -> None:
    lab = ("ns red\nns blue\nbridge br0\nmacvlan red:mv0 on br0 ip 192.168.7.1/24\n"
           "macvlan blue:mv0 on br0 mode bridge ip 192.168.7.2/24\n")
    setup, down = _scripts(lab, target, style, tmp_path)
    with Sandbox() as sandbox:
        for command in (["ip", "netns", "add", "red"], ["ip", "link", "add", "br0", "up", "type", "bridge"],
                        ["ip", "-n", "red", "link", "add", "u0", "type", "veth", "peer", "name", "u1"]):
            assert sandbox.run(command).returncode == 0
        before = sandbox.snapshot()
        for _ in range(2):  # the second run changes nothing
            run = sandbox.run(["bash", str(setup)], timeout=60)
            assert run.returncode == 0, run.stderr
        assert " mv0@" in _links(sandbox, "red")
        assert _ping(sandbox, "red", "192.168.7.2") == 0
        run = sandbox.run(["bash", str(down)], timeout=60)
        assert run.returncode == 0, run.stderr
        assert "red" in sandbox.namespaces() and "br0" in sandbox.run(["ip", "-o", "link", "show"]).stdout
        links = _links(sandbox, "red")
        assert "mv0" not in links and "u0" in links, links
        changes = before.diff(sandbox.snapshot())
        assert not changes, "teardown did not restore the host:\n" + "\n".join(changes)


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_a_parent_the_host_lacks_stops_setup_in_preflight(target: str, style: str, tmp_path: Path) -> None:
    setup, _down = _scripts("ns red\nmacvlan red:mv0 on nosuch0 ip 192.168.7.1/24\n", target, style, tmp_path)
    with Sandbox() as sandbox:
        before = sandbox.snapshot()
        run = sandbox.run(["bash", str(setup)], timeout=60)
        assert run.returncode == 1
        assert "lab.ns:2: macvlan red:mv0 needs its parent nosuch0, an interface of the host" in run.stderr, run.stderr
        assert not before.diff(sandbox.snapshot())


def test_a_macvlan_of_the_uplink_reaches_outside(target: str, tmp_path: Path) -> None:
    setup, down = _scripts("ns red\nmacvlan red:eth0 on eth0 mode bridge ip 192.168.1.50/24\n", target,
                           "default", tmp_path)
    with Sandbox(uplink=True) as sandbox:
        before = sandbox.snapshot()
        run = sandbox.run(["bash", str(setup)], timeout=60)
        assert run.returncode == 0, run.stderr
        assert _ping(sandbox, "red", "192.168.1.3") == 0  # `outside`, behind the parent veth
        assert _ping(sandbox, "red", "192.168.1.2") != 0  # the parent itself: the kernel does not deliver
        run = sandbox.run(["bash", str(down)], timeout=60)
        assert run.returncode == 0, run.stderr
        assert not before.diff(sandbox.snapshot())
