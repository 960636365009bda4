"""Kernel tests: they build labs in a throwaway sandbox (root and `unshare` needed).

Where no sandbox can be made they skip with the reason, except under `CI=true`, where a
skipped kernel test would hide a broken pipeline, so they fail instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from nsgen.compiler import compile_source
from nsgen.compiler.steps import BridgeVlan, lower
from nsgen.harness.labtest import TARGETS
from nsgen.harness.sandbox import (
    Sandbox,
    bridge_vlan_filtering_missing,
    missing_link_kinds,
    ovs_missing,
    unavailable_reason,
)

ROOT = Path(__file__).resolve().parents[2]
_EXPECT = re.compile(r"^\s*expect\b", re.MULTILINE)


def pytest_configure(config: pytest.Config) -> None:
    """Register the `sandbox` marker."""
    config.addinivalue_line("markers", "sandbox: runs in a kernel sandbox (needs root and unshare)")


def pytest_report_header(config: pytest.Config) -> str:
    """Say up front whether the kernel tests can run here."""
    reason = unavailable_reason()
    return f"kernel sandbox: {'available' if reason is None else 'UNAVAILABLE, ' + reason}"


@pytest.fixture(autouse=True)
def _require_sandbox(request: pytest.FixtureRequest) -> None:
    """Skip a `sandbox`-marked test where no sandbox can be made; fail instead when CI=true."""
    if request.node.get_closest_marker("sandbox") is None:
        return
    reason = unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"kernel test cannot run, and CI=true forbids skipping it: {reason}")
    pytest.skip(f"kernel test needs a sandbox: {reason}")


@pytest.fixture
def sandbox(_require_sandbox: None) -> Iterator[Sandbox]:
    """A fresh sandbox with the tutorial's uplink (host eth0 192.168.1.2, `outside` 192.168.1.3)."""
    with Sandbox(uplink=True) as fresh:
        yield fresh


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize `lab` (labs with expectations), `golden_lab` (every golden input), `target`."""
    if "lab" in metafunc.fixturenames:
        labs = [path for path in [*example_labs(), *golden_inputs()] if has_expectations(path)]
        metafunc.parametrize("lab", labs, ids=case_id)
    if "golden_lab" in metafunc.fixturenames:
        metafunc.parametrize("golden_lab", golden_inputs(), ids=case_id)
    if "target" in metafunc.fixturenames:
        metafunc.parametrize("target", TARGETS)


_OVS = re.compile(r"^\s*bridge\s.*\btype\s+ovs\b", re.MULTILINE)
_IPVLAN = re.compile(r"^\s*ipvlan\s", re.MULTILINE)
_TUNNELS = {kind: re.compile(rf"^\s*{kind}\s", re.MULTILINE) for kind in ("gre", "gretap", "ipip")}
_VLANS = re.compile(r"\b(tag|trunk)\s+\d", re.MULTILINE)


def skip_without_features(text: str) -> None:
    """Skip a test of this lab text where a probe shows this machine lacks what it needs, naming
    it: Open vSwitch's commands (for `type ovs` bridges), the kernel's ipvlan, gre, gretap or ipip (for
    those statements), or its bridge VLAN filtering (for `tag`/`trunk` on Linux bridges), each named."""
    if _OVS.search(text) and ovs_missing():
        pytest.skip(f"Open vSwitch is not installed here: {ovs_missing()} missing")
    if _IPVLAN.search(text) and "ipvlan" in missing_link_kinds():
        pytest.skip("the running kernel has no ipvlan (a probe could not make an ipvlan link)")
    for kind, pattern in _TUNNELS.items():
        if pattern.search(text) and kind in missing_link_kinds():
            pytest.skip(f"the running kernel has no {kind} (a probe could not make a link of that kind)")
    if has_bridge_vlans(text) and bridge_vlan_filtering_missing():
        pytest.skip("the running kernel has no bridge VLAN filtering (a probe made a bridge with "
                    "`vlan_filtering 1` and `ip -d link show` did not show it)")


def has_bridge_vlans(text: str) -> bool:
    """True when the lab (compiled) gives a Linux bridge VLAN ports: its setup has `bridge vlan` steps."""
    if not _VLANS.search(text):
        return False
    compiled = compile_source(text, "lab.ns")
    return compiled.plan is not None and any(isinstance(step, BridgeVlan) for step in lower(compiled.plan).setup)


def example_labs() -> list[Path]:
    """Every `examples/*.ns`."""
    return sorted((ROOT / "examples").glob("*.ns"))


def golden_inputs() -> list[Path]:
    """The lab file of every `golden/<case>/`."""
    return sorted(path for case in sorted((ROOT / "golden").glob("*/")) for path in case.glob("*.ns"))


def has_expectations(path: Path) -> bool:
    """True when the lab file has at least one `expect` line."""
    return bool(_EXPECT.search(path.read_text(encoding="utf-8")))


def case_id(path: Path) -> str:
    """A readable test id: `examples/seed` or `golden/<case>`."""
    if path.parent.parent == ROOT / "golden":
        return f"golden/{path.parent.name}"
    return f"{path.parent.name}/{path.stem}"
