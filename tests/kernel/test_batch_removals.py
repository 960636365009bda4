"""Batch teardown judges its deletions by the result, not by ip's exit status.

Between the check of what exists and `ip -batch`, the kernel may remove an interface by
itself (it deletes a namespace's veths in the background). An `ip` wrapper on PATH makes that
race happen every time: it deletes the veth just before the batch runs. Teardown must still
succeed and leave nothing. A wrapper that deletes nothing instead must make teardown fail and
say what is left.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nsgen.harness.sandbox import Sandbox
from tests.scriptcheck import write_scripts

pytestmark = pytest.mark.sandbox

LAB = "lab race\nbridge br0\nveth host<->br0\n"
BRIDGE_END = "veth-host-br"

VANISH = """#!/bin/bash
# Before a batch of deletions runs, the bridge end vanishes, as if the kernel had removed it.
if [ "${{1-}}" = -force ]; then {ip} link del {end} 2>/dev/null || true; fi
exec {ip} "$@"
"""
IGNORE = """#!/bin/bash
# Batches of deletions do nothing (and succeed); anything else is passed on.
if [ "${{1-}}" = -force ]; then exec {ip} -batch /dev/null; fi
exec {ip} "$@"
"""


def _wrapper(workdir: Path, text: str) -> str:
    real = shutil.which("ip")
    assert real is not None
    folder = workdir / "wrap"
    folder.mkdir()
    wrapper = folder / "ip"
    wrapper.write_text(text.format(ip=real, end=BRIDGE_END), encoding="utf-8")
    wrapper.chmod(0o755)
    return f"PATH={folder}:/usr/sbin:/usr/bin:/sbin:/bin"


def _links(sandbox: Sandbox) -> str:
    return sandbox.run(["ip", "-o", "link", "show"]).stdout


def test_a_deletion_that_lost_the_race_is_fine(tmp_path: Path) -> None:
    setup, down = write_scripts(LAB, "race.ns", "batch", tmp_path)
    path = _wrapper(tmp_path, VANISH)
    with Sandbox() as sandbox:
        assert sandbox.run(["bash", str(setup)]).returncode == 0
        assert BRIDGE_END in _links(sandbox)
        run = sandbox.run(["env", path, "bash", str(down)])
        assert run.returncode == 0, run.stderr
        left = _links(sandbox)
        assert BRIDGE_END not in left and " br0:" not in left


def test_a_deletion_that_did_not_happen_fails(tmp_path: Path) -> None:
    setup, down = write_scripts(LAB, "race.ns", "batch", tmp_path)
    path = _wrapper(tmp_path, IGNORE)
    with Sandbox() as sandbox:
        assert sandbox.run(["bash", str(setup)]).returncode == 0
        run = sandbox.run(["env", path, "bash", str(down)])
        assert run.returncode != 0
        assert f"teardown could not remove: {BRIDGE_END} br0" in run.stderr, run.stderr
