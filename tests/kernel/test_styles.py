"""The default and batch styles build the same state for the same lab (normalised dumps compared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen.compiler import compile_source
from nsgen.harness.sandbox import Sandbox, wait_links_up
from nsgen.harness.snapshot import State
from nsgen.compiler.targets import render

pytestmark = pytest.mark.sandbox


def _built_state(lab: Path, target: str, style: str, workdir: Path) -> State:
    result = compile_source(lab.read_text(encoding="utf-8"), lab.name)
    assert result.plan is not None
    script = workdir / f"{style}.sh"
    script.write_text(render(result.plan, target, "setup", style), encoding="utf-8")
    with Sandbox(uplink=True) as sandbox:
        run = sandbox.run(["bash", str(script)], timeout=120)
        assert run.returncode == 0, run.stderr
        wait_links_up(sandbox)
        return sandbox.snapshot()


def test_styles_build_the_same_state(golden_lab: Path, target: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    workdir = tmp_path_factory.mktemp("styles", numbered=True)
    default = _built_state(golden_lab, target, "default", workdir)
    batch = _built_state(golden_lab, target, "batch", workdir)
    changes = default.diff(batch)
    assert not changes, "batch style differs from default style:\n" + "\n".join(changes)
