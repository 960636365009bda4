"""The wheel ships grammar/ and templates/: `pip install` of the checkout into a fresh venv, then
`nsgen build` run from a folder outside the checkout prints the script (issue 2's "Done when").

pip fetches the build backend (hatchling) and nsgen's dependencies from the package registry; without
the network this test fails with pip's own message, it does not skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIP_TIMEOUT = 240


def _clean_env() -> dict[str, str]:
    """The environment without anything that would let the checkout's nsgen be imported instead."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV"}
    return {k: v for k, v in os.environ.items() if k not in drop} | {"PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def _run(args: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=timeout,
                          check=False)


def checkout_script(target: str) -> str:
    """The setup script of examples/seed.ns as the checkout's own nsgen renders it."""
    from nsgen.compiler import compile_source
    from nsgen.compiler.targets import render

    seed = ROOT / "examples" / "seed.ns"
    # the CLI gives the lab file's absolute path as its identity (kept in the lab's record)
    result = compile_source(seed.read_text(encoding="utf-8"), "seed.ns", source=str(seed.resolve()))
    assert result.plan is not None
    return render(result.plan, target, "setup")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the checkout installed (not editable); returns the venv's bin folder."""
    venv = tmp_path_factory.mktemp("venv")
    made = _run([sys.executable, "-m", "venv", str(venv)], cwd=venv, timeout=120)
    assert made.returncode == 0, f"python -m venv failed:\n{made.stderr}"
    bin_dir = venv / "bin"
    pip = _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(ROOT)], cwd=venv, timeout=PIP_TIMEOUT)
    if pip.returncode != 0:
        pytest.fail("pip install of the checkout into a fresh venv failed (it needs the package registry for "
                    f"hatchling and the dependencies; is the network down?):\n{pip.stdout[-3000:]}\n"
                    f"{pip.stderr[-3000:]}", pytrace=False)
    return bin_dir


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working folder outside the checkout."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    assert not folder.resolve().is_relative_to(ROOT)
    return folder


def test_installed_package_is_not_the_checkout(installed: Path, elsewhere: Path) -> None:
    """The venv imports nsgen and finds its grammar and templates inside the installed package."""
    code = ("import nsgen, nsgen.resources as r; "
            "print(nsgen.__file__); print(r.resource_dir('grammar')); print(r.resource_dir('templates'))")
    done = _run([str(installed / "python"), "-c", code], cwd=elsewhere, timeout=60)
    assert done.returncode == 0, done.stderr
    package, grammar, templates = (Path(line) for line in done.stdout.splitlines())
    venv = installed.parent
    for path in (package, grammar, templates):
        assert path.is_relative_to(venv), f"{path} is not inside the venv {venv}"
    assert (grammar / "nsgen.lark").is_file()
    assert (templates / "default" / "setup.sh.j2").is_file()


@pytest.mark.parametrize("target", ["iptables", "bash", "nft"])
def test_installed_nsgen_builds_the_seed_lab_from_another_folder(installed: Path, elsewhere: Path,
                                                                 target: str) -> None:
    done = _run([str(installed / "nsgen"), "build", "-t", target, str(ROOT / "examples" / "seed.ns")],
                cwd=elsewhere, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("#!/usr/bin/env bash\n")
    assert "ip netns add" in done.stdout
    assert ("iptables-restore" if target != "nft" else "nft -f") in done.stdout
    assert done.stdout == checkout_script(target), "the installed nsgen prints another script than the checkout"


def test_installed_nsgen_reports_errors(installed: Path, elsewhere: Path) -> None:
    lab = elsewhere / "bad.ns"
    lab.write_text("ns red\nroute bleu default via 10.0.0.1\n", encoding="utf-8")
    done = _run([str(installed / "nsgen"), "check", "bad.ns"], cwd=elsewhere, timeout=60)
    assert done.returncode == 1
    assert "bad.ns:2:7: error[E100]" in done.stderr
