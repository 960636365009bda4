"""Teardown deletes only the bridges the lab's setup created, never one that was there before.

Setup marks a bridge it creates with the alias `nsgen:LAB`; teardown deletes a declared bridge
only if it carries that mark. A bridge the host already had (say one that VMs or Docker use)
stays, with its other ports; the lab's own bridge goes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen.compiler.styles import GUARDED_STYLES, STYLES
from nsgen.harness.sandbox import Sandbox
from tests.scriptcheck import write_scripts

pytestmark = pytest.mark.sandbox

LAB = """\
lab keep
ns red
ns blue
bridge shared ip 10.7.0.1/24
bridge own ip 10.8.0.1/24
veth red<->shared ip 10.7.0.2/24
veth blue<->own ip 10.8.0.2/24
"""


def _bridges(sandbox: Sandbox) -> str:
    return sandbox.run(["ip", "-o", "link", "show", "type", "bridge"]).stdout


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_a_bridge_that_was_there_before_survives_teardown(style: str, tmp_path: Path) -> None:
    setup, down = write_scripts(LAB, "keep.ns", style, tmp_path)
    with Sandbox() as sandbox:
        for command in (["ip", "link", "add", "shared", "type", "bridge"],
                        ["ip", "link", "add", "vm0", "master", "shared", "type", "veth", "peer", "name", "vm1"]):
            assert sandbox.run(command).returncode == 0
        run = sandbox.run(["bash", str(setup)])
        assert run.returncode == 0, run.stderr
        assert "alias nsgen:keep" in sandbox.run(["ip", "-o", "link", "show", "dev", "own"]).stdout
        assert "alias" not in sandbox.run(["ip", "-o", "link", "show", "dev", "shared"]).stdout
        run = sandbox.run(["bash", str(down)])
        assert run.returncode == 0, run.stderr
        left = _bridges(sandbox)
        assert " shared:" in left, "the host's own bridge was deleted"
        assert " own:" not in left, "the lab's bridge was left behind"
        assert "master shared" in sandbox.run(["ip", "-o", "link", "show", "dev", "vm0"]).stdout
        assert sandbox.run(["bash", str(down)]).returncode == 0  # again: nothing to do


@pytest.mark.parametrize("style", STYLES)
def test_a_lab_bridge_with_an_altname_is_still_removed(style: str, target: str, tmp_path: Path) -> None:
    """The mark is matched as the alias field: an altname listed after it does not hide it."""
    setup, down = write_scripts(LAB, "keep.ns", style, tmp_path, target)
    with Sandbox() as sandbox:
        assert sandbox.run(["bash", str(setup)]).returncode == 0
        altname = sandbox.run(["ip", "link", "property", "add", "dev", "own", "altname", "own-alt"])
        assert altname.returncode == 0, altname.stderr
        assert "altname own-alt" in sandbox.run(["ip", "-o", "link", "show", "dev", "own"]).stdout
        run = sandbox.run(["bash", str(down)])
        assert run.returncode == 0, run.stderr
        assert " own:" not in _bridges(sandbox), "the lab's bridge with an altname was left behind"


@pytest.mark.parametrize("style", STYLES)
def test_a_lab_name_too_long_for_an_alias_still_marks_and_removes_its_bridge(style: str, tmp_path: Path) -> None:
    """An alias holds 255 bytes: a 250-byte lab name gets a shortened mark with a hash of the name."""
    name = "l" * 250
    setup, down = write_scripts(LAB.replace("lab keep", f"lab {name}"), "long.ns", style, tmp_path)
    with Sandbox() as sandbox:
        run = sandbox.run(["bash", str(setup)])
        assert run.returncode == 0, run.stderr
        assert "alias nsgen:lll" in sandbox.run(["ip", "-o", "link", "show", "dev", "own"]).stdout
        run = sandbox.run(["bash", str(down)])
        assert run.returncode == 0, run.stderr
        assert " own:" not in _bridges(sandbox)
