"""A bridge inside a namespace (`bridge r1:br0`, issue 14) beyond the golden case's expect lines: in
a namespace that was there before the lab, teardown deletes the bridge and its ports through the
lab's record and leaves the namespace, and what was in it before, alone; a rerun changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen.compiler.styles import GUARDED_STYLES
from nsgen.harness.sandbox import Sandbox
from tests.scriptcheck import write_scripts

pytestmark = pytest.mark.sandbox

LAB = """ns r1
ns red
ns blue
bridge r1:br0 ip 10.0.3.1/24
veth red<->r1:br0 ip 10.0.3.2/24
veth blue<->r1:br0 ip 10.0.3.3/24
"""


def _ping(sandbox: Sandbox, ns: str, address: str) -> int:
    return sandbox.run(["ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "2", address], timeout=10).returncode


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_a_bridge_in_a_namespace_that_was_there_before_goes_with_teardown(target: str, style: str,
                                                                          tmp_path: Path) -> None:
    setup, down = write_scripts(LAB, "lab.ns", style, tmp_path, target, "lab.ns")
    with Sandbox() as sandbox:
        for command in (["ip", "netns", "add", "r1"], ["ip", "-n", "r1", "link", "add", "keep0", "type", "bridge"]):
            assert sandbox.run(command).returncode == 0
        before = sandbox.snapshot()
        for _ in range(2):
            run = sandbox.run(["bash", str(setup)], timeout=60)
            assert run.returncode == 0, run.stderr
        built = sandbox.snapshot()
        run = sandbox.run(["bash", str(setup)], timeout=60)
        assert run.returncode == 0, run.stderr
        assert not built.diff(sandbox.snapshot()), "a third setup changed something"
        links = sandbox.run(["ip", "-n", "r1", "-o", "link", "show", "master", "br0"]).stdout
        assert "veth-red-br" in links and "veth-blue-br" in links, links
        assert _ping(sandbox, "red", "10.0.3.3") == 0
        assert _ping(sandbox, "red", "10.0.3.1") == 0
        run = sandbox.run(["bash", str(down)], timeout=60)
        assert run.returncode == 0, run.stderr
        assert "r1" in sandbox.namespaces()
        left = sandbox.run(["ip", "-n", "r1", "-o", "link", "show"]).stdout
        assert "br0" not in left and "keep0" in left, left
        changes = before.diff(sandbox.snapshot())
        assert not changes, "teardown did not restore the sandbox:\n" + "\n".join(changes)
