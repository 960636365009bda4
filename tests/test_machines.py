"""Labs across machines (issue 11): projection, `build --out-dir`, golden out-dir files, playbooks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nsgen.compiler import compile_source, ir
from nsgen.compiler.machines import OVERLAY_MTU, project
from nsgen.compiler.outdir import out_dir_files
from nsgen.compiler.parser import parse
from nsgen.compiler.styles import STYLES
from nsgen.compiler.targets import TARGETS
from tests.conftest import ROOT, assert_golden
from tests.scriptcheck import shellcheck_binary

CASE = ROOT / "golden-machines" / "two-machines"
LAB = CASE / "two-machines.ns"
CASES = {"two-machines": ("h1", "h2"), "three-machines": ("h1", "h2", "h3")}
"""The golden cases (golden-machines/NAME/NAME.ns) and their machines."""
COMBOS = [(case, target, style) for case in CASES for target in TARGETS for style in STYLES]


def _files(target: str, style: str, case: str = "two-machines") -> dict[str, str]:
    lab = ROOT / "golden-machines" / case / f"{case}.ns"
    result = compile_source(lab.read_text(encoding="utf-8"), f"{case}.ns", target)
    assert result.ok and result.plan is None and result.machines is not None, result.diagnostics
    return out_dir_files(result.machines, case, f"{case}.ns", target, style)


@pytest.mark.parametrize(("case", "target", "style"), COMBOS, ids=[f"{c}-{t}-{s}" for c, t, s in COMBOS])
def test_out_dir_matches_golden(case: str, target: str, style: str, update_golden: bool) -> None:
    files = _files(target, style, case)
    assert sorted(files) == sorted([*(f"{script}-{machine}.sh" for machine in CASES[case]
                                      for script in ("setup", "teardown")),
                                    "inventory.ini", "setup.yml", "teardown.yml"])
    folder = ROOT / "golden-machines" / case / f"{target}.{style}"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        assert_golden(folder / name, text, update_golden)


@pytest.mark.parametrize(("case", "target", "style"), COMBOS, ids=[f"{c}-{t}-{s}" for c, t, s in COMBOS])
def test_machine_scripts_pass_shellcheck(case: str, target: str, style: str, tmp_path: Path) -> None:
    for name, text in _files(target, style, case).items():
        if name.endswith(".sh"):
            (tmp_path / name).write_text(text, encoding="utf-8")
            run = subprocess.run([shellcheck_binary(), "--severity=style", str(tmp_path / name)],
                                 capture_output=True, text=True, check=False)
            assert run.returncode == 0, run.stdout + run.stderr


def test_each_machine_gets_its_part_and_the_tunnels() -> None:
    text = ("machine a 172.30.0.1\nmachine b 172.30.0.2\nmachine c 172.30.0.3\nbridge lan\nbridge san mtu 1400\n"
            "on a { ns x; veth x<->lan ip 10.0.0.1/24 }\non b { ns y; veth y<->lan ip 10.0.0.2/24 }\n"
            "on c { ns z; veth z<->san ip 10.1.0.3/24 mtu 1300 }\n")
    program, diagnostics = parse(text, "m.ns")
    assert program is not None and not diagnostics
    b = project(program, "b")
    vxlans = [s for s in b.statements if isinstance(s, ir.Vxlan)]
    # full mesh, head-end replication: b has one device per bridge, from its own address, port 4789,
    # naming every other machine as a remote
    assert sorted((v.name.text, v.bridge.text if v.bridge else "", tuple(r.text for r in v.remotes))
                  for v in vxlans) == [("vx10001", "lan", ("172.30.0.1", "172.30.0.3")),
                                       ("vx10002", "san", ("172.30.0.1", "172.30.0.3"))]
    assert {v.local.text for v in vxlans if v.local} == {"172.30.0.2"}
    assert {v.vni.value for v in vxlans if v.vni and v.bridge and v.bridge.text == "lan"} == {10001}
    assert {v.vni.value for v in vxlans if v.vni and v.bridge and v.bridge.text == "san"} == {10002}
    assert {v.port for v in vxlans} == {None}
    assert [s.name.text for s in b.statements if isinstance(s, ir.Ns)] == ["y"]
    veth = next(s for s in b.statements if isinstance(s, ir.Veth))
    assert veth.mtu is not None and veth.mtu.value == OVERLAY_MTU
    c = project(program, "c")
    assert next(s for s in c.statements if isinstance(s, ir.Veth)).mtu.value == 1300  # type: ignore[union-attr]
    assert {s.mtu.value for s in c.statements if isinstance(s, ir.Bridge) and s.mtu} == {OVERLAY_MTU, 1400}
    result = compile_source(text, "m.ns")
    assert result.ok and result.machines is not None and list(result.machines.plans) == ["a", "b", "c"]


def test_names_are_per_machine() -> None:
    text = ("machine a 172.30.0.1\nmachine b 172.30.0.2\nbridge lan\n"
            "on a { ns pod; veth pod<->lan ip 10.0.0.1/24 }\non b { ns pod; veth pod<->lan ip 10.0.0.2/24 }\n")
    result = compile_source(text, "m.ns")
    assert result.ok, result.diagnostics


def test_a_lab_without_machines_has_one_plan() -> None:
    result = compile_source("ns red\n", "x.ns")
    assert result.plan is not None and result.machines is None


def _nsgen(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI of this checkout, run by this Python (no PATH or venv layout assumed)."""
    return subprocess.run([sys.executable, "-m", "nsgen.cli", *args], capture_output=True, text=True,
                          check=False, cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_build_of_a_machine_lab_without_out_dir_says_what_it_would_write() -> None:
    run = _nsgen("build", str(LAB))
    assert run.returncode == 2 and run.stdout == ""
    assert "--out-dir DIR` writes setup-h1.sh, teardown-h1.sh, setup-h2.sh, teardown-h2.sh" in run.stderr


def test_build_out_dir_writes_the_files(tmp_path: Path) -> None:
    run = _nsgen("build", str(LAB), "-t", "nft", "--style", "batch", "--out-dir", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    expected = _files("nft", "batch")
    for name, text in expected.items():
        written = (tmp_path / "out" / name).read_text(encoding="utf-8")
        # the scripts name the lab file by its absolute path (its identity on a host), the rest is the same
        assert written.replace(str(LAB), "two-machines.ns") == text.replace(str(LAB), "two-machines.ns")
    assert (tmp_path / "out" / "setup-h1.sh").stat().st_mode & 0o111


def test_out_dir_refused_for_a_lab_without_machines(tmp_path: Path) -> None:
    (tmp_path / "one.ns").write_text("ns red\n", encoding="utf-8")
    run = _nsgen("build", str(tmp_path / "one.ns"), "--out-dir", str(tmp_path / "out"))
    assert run.returncode == 2 and "has none" in run.stderr


@pytest.mark.skipif(shutil.which("ansible-playbook") is None and not (ROOT / ".venv/bin/ansible-playbook").exists(),
                    reason="ansible-playbook is not installed (pip install 'nsgen[ansible]')")
def test_playbooks_pass_syntax_check(tmp_path: Path) -> None:
    playbook = str(ROOT / ".venv/bin/ansible-playbook") if (ROOT / ".venv/bin/ansible-playbook").exists() \
        else "ansible-playbook"
    for name, text in _files("iptables", "default").items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    for book in ("setup.yml", "teardown.yml"):
        run = subprocess.run([playbook, "-i", "inventory.ini", "--syntax-check", book], cwd=tmp_path,
                             capture_output=True, text=True, check=False, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr


def test_fmt_lays_out_blocks_idempotently_and_keeps_the_meaning() -> None:
    from nsgen.compiler.fmt import format_source

    for path in (LAB, ROOT / "examples" / "two-sites.ns"):
        text = path.read_text(encoding="utf-8")
        once, errors = format_source(text, path.name)
        assert once is not None and not errors
        assert format_source(once, path.name)[0] == once
        assert "on h1 {" in once or "on site-a {" in once
        for target in TARGETS:
            before, after = compile_source(text, path.name, target), compile_source(once, path.name, target)
            assert before.machines is not None and after.machines is not None
            assert list(before.machines.plans) == list(after.machines.plans)
            for name, plan in before.machines.plans.items():
                assert [x.name for x in plan.namespaces] == [x.name for x in after.machines.plans[name].namespaces]
                assert len(plan.veths) == len(after.machines.plans[name].veths)
    squeezed, _ = format_source("machine h1 172.30.0.1\non h1 { ns a;ns   b } # two\n", "x.ns")
    assert squeezed == "machine h1 172.30.0.1\n\non h1 {\n  ns a\n  ns b  # two\n}\n"
