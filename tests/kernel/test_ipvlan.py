"""ipvlan (issue 14) on the kernel: the golden case's expect lines run in test_labs; here, an ipvlan
in a namespace that was there before is deleted by teardown through the lab's record (its parent
stays, so the kernel would not take it along). Kernels without ipvlan (this project's machines)
skip these, named by the probe; the probe itself is checked against macvlan, which the macvlan
tests need anyway."""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen.compiler.styles import GUARDED_STYLES
from nsgen.harness.sandbox import Sandbox, missing_link_kinds
from tests.kernel.conftest import skip_without_features
from tests.scriptcheck import write_scripts

pytestmark = pytest.mark.sandbox

LAB = """ns red
ns blue
veth blue<->host ip 192.168.8.9/24, 192.168.8.254/24
ipvlan red:ipv0 on veth-blue-host mode l2 ip 192.168.8.1/24
ipvlan red:ipv1 on veth-blue-host mode l2 ip 192.168.8.2/24
"""


def test_the_probe_tells_a_kind_the_kernel_has() -> None:
    """macvlan is present wherever the macvlan kernel tests pass: the probe must not call it missing."""
    assert "macvlan" not in missing_link_kinds()


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_an_ipvlan_in_a_namespace_that_was_there_before_goes_with_teardown(target: str, style: str,
                                                                          tmp_path: Path) -> None:
    skip_without_features(LAB)
    setup, down = write_scripts(LAB, "lab.ns", style, tmp_path, target, "lab.ns")
    with Sandbox() as sandbox:
        assert sandbox.run(["ip", "netns", "add", "red"]).returncode == 0
        before = sandbox.snapshot()
        for _ in range(2):  # the second run changes nothing
            run = sandbox.run(["bash", str(setup)], timeout=60)
            assert run.returncode == 0, run.stderr
        links = sandbox.run(["ip", "-n", "red", "-d", "-o", "link", "show"]).stdout
        assert "ipv0@" in links and "ipvlan" in links, links
        run = sandbox.run(["bash", str(down)], timeout=60)
        assert run.returncode == 0, run.stderr
        assert "red" in sandbox.namespaces()
        changes = before.diff(sandbox.snapshot())
        assert not changes, "teardown did not restore the sandbox:\n" + "\n".join(changes)
