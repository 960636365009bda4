"""The default, batch and plain styles build the same state for the same lab (normalised dumps compared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen.compiler import compile_source
from nsgen.compiler.styles import STYLES
from nsgen.compiler.targets import render
from nsgen.harness.sandbox import Sandbox, wait_links_up
from nsgen.harness.snapshot import State
from tests.kernel.conftest import skip_without_features

pytestmark = pytest.mark.sandbox


def _built_state(lab: Path, target: str, style: str, workdir: Path) -> State:
    skip_without_features(lab.read_text(encoding="utf-8"))
    result = compile_source(lab.read_text(encoding="utf-8"), lab.name)
    assert result.plan is not None
    script = workdir / f"{style}.sh"
    script.write_text(render(result.plan, target, "setup", style), encoding="utf-8")
    with Sandbox(uplink=True, ovs=bool(result.plan.ovs_bridges)) as sandbox:
        run = sandbox.run(["bash", str(script)], timeout=120)
        assert run.returncode == 0, run.stderr
        wait_links_up(sandbox)
        return sandbox.snapshot()


@pytest.mark.parametrize("style", [s for s in STYLES if s != "default"])
def test_styles_build_the_same_state(golden_lab: Path, target: str, style: str,
                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    workdir = tmp_path_factory.mktemp("styles", numbered=True)
    default = _built_state(golden_lab, target, "default", workdir)
    other = _built_state(golden_lab, target, style, workdir)
    # the guarded styles hold a lock file per lab (plain takes no lock); all else must match
    changes = [change for change in default.diff(other) if not change.endswith("/lock")]
    assert not changes, f"{style} style differs from default style:\n" + "\n".join(changes)
