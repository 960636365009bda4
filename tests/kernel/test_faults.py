"""Fault injection: a setup that meets a conflicting object fails, names its line, rolls back.

In a fresh sandbox an object the lab needs is pre-created with other settings; the setup script
must exit non-zero, name the lab-file line of the statement that failed, and leave the sandbox
exactly as it was before it ran. A half-built lab (its namespace already there) is completed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from nsgen.compiler import compile_source
from nsgen.compiler.plan import LabPlan
from nsgen.compiler.styles import GUARDED_STYLES
from nsgen.compiler.targets import render
from nsgen.harness import labtest
from nsgen.harness.sandbox import Sandbox, wait_links_up

pytestmark = pytest.mark.sandbox

LAB_FILE = "lab.ns"
LAB = """\
lab faults
ns red
ns blue
bridge v-net-0 ip 192.168.15.5/24
veth red<->v-net-0 ip 192.168.15.1/24
veth blue<->v-net-0 ip 192.168.15.2/24
route blue default via 192.168.15.5
nat masquerade 192.168.15.0/24 out eth0
forward tcp 80 -> 192.168.15.2:80 in eth0
expect red ping 192.168.15.2
expect blue ping 192.168.1.3
expect outside tcp 192.168.1.2:80 reaches blue:80
"""


@dataclass(frozen=True)
class Fault:
    """Commands run in the sandbox before setup, and the lab line whose statement must fail."""

    name: str
    commands: tuple[tuple[str, ...], ...]
    line: int


FAULTS = [
    Fault("bridge-name-is-a-veth", (("ip", "link", "add", "v-net-0", "type", "veth", "peer", "name", "v-net-0-p"),), 4),
    Fault("veth-end-name-is-a-bridge", (("ip", "link", "add", "veth-blue-br", "type", "bridge"),), 6),
    Fault(
        "namespace-holds-a-bridge-named-like-the-veth",
        (
            ("ip", "netns", "add", "red"),
            ("ip", "-n", "red", "link", "set", "lo", "up"),
            ("ip", "-n", "red", "link", "add", "veth-red", "type", "bridge"),
        ),
        5,
    ),
    Fault(
        "namespace-has-another-default-route",
        (
            ("ip", "netns", "add", "blue"),
            ("ip", "-n", "blue", "link", "set", "lo", "up"),
            ("ip", "-n", "blue", "link", "add", "x0", "type", "veth", "peer", "name", "x1"),
            ("ip", "-n", "blue", "addr", "add", "10.1.1.2/24", "dev", "x0"),
            ("ip", "-n", "blue", "link", "set", "x0", "up"),
            ("ip", "-n", "blue", "link", "set", "x1", "up"),
            ("ip", "-n", "blue", "route", "add", "default", "via", "10.1.1.1"),
        ),
        7,
    ),
]


@pytest.fixture(scope="module")
def plan() -> LabPlan:
    """The compiled lab."""
    compilation = compile_source(LAB, LAB_FILE)
    assert compilation.plan is not None, compilation.diagnostics
    return compilation.plan


def _setup_script(plan: LabPlan, target: str, style: str, directory: Path) -> Path:
    """The target's setup script in a style, saved where the sandbox can read it."""
    path = directory / f"setup-{target}-{style}.sh"
    path.write_text(render(plan, target, "setup", style), encoding="utf-8")
    return path


def _prepare(sandbox: Sandbox, commands: tuple[tuple[str, ...], ...]) -> None:
    """Run the fault's commands; each must succeed."""
    for command in commands:
        result = sandbox.run(command)
        assert result.returncode == 0, f"{' '.join(command)}: {result.stderr}"


@pytest.mark.parametrize("style", GUARDED_STYLES)
@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_conflict_fails_and_rolls_back(
    fault: Fault, target: str, style: str, plan: LabPlan, sandbox: Sandbox, tmp_path: Path
) -> None:
    """Setup exits non-zero, names the failing line, and the sandbox is as it was."""
    script = _setup_script(plan, target, style, tmp_path)
    _prepare(sandbox, fault.commands)
    before = sandbox.snapshot()
    result = sandbox.run(["bash", str(script)])
    assert result.returncode != 0, f"setup succeeded despite the conflict:\n{result.stderr}"
    assert f"{LAB_FILE}:{fault.line}" in result.stderr, result.stderr
    changes = before.diff(sandbox.snapshot())
    assert not changes, "rollback left the sandbox changed:\n" + "\n".join(changes)


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_half_built_lab_is_completed(target: str, style: str, plan: LabPlan, sandbox: Sandbox, tmp_path: Path) -> None:
    """With namespace red already there, setup completes the lab and every expectation holds."""
    script = _setup_script(plan, target, style, tmp_path)
    _prepare(sandbox, (("ip", "netns", "add", "red"),))
    result = sandbox.run(["bash", str(script)])
    assert result.returncode == 0, result.stderr
    wait_links_up(sandbox)
    results = [labtest.check_expectation(sandbox, target, e) for e in plan.expectations]
    failed = [f"{r.where} {r.statement}: {r.reason}" for r in results if not r.passed]
    assert not failed, "\n".join(failed)
