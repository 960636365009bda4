"""Golden tests: each golden/<case>/<case>.ns compiles to the expected script per target and script."""

from __future__ import annotations

import functools
import re
import subprocess
from pathlib import Path

import pytest

from nsgen.compiler import Compilation, compile_source
from nsgen.compiler.diagnostics import render as render_diagnostic
from nsgen.compiler.styles import STYLES
from nsgen.compiler.targets import TARGETS, render
from tests.conftest import ROOT, assert_golden
from tests.scriptcheck import shellcheck_binary

GOLDEN = ROOT / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())
SCRIPTS = ("setup", "down")
PRODUCTS = [(case, target, script, style) for case in CASES for target in TARGETS for script in SCRIPTS
            for style in STYLES]
IDS = ["-".join(p) for p in PRODUCTS]
SHELLCHECK = shellcheck_binary()


@functools.cache
def compiled(case: str) -> tuple[Compilation, str]:
    source = (GOLDEN / case / f"{case}.ns").read_text(encoding="utf-8")
    return compile_source(source, f"{case}.ns"), source


def golden_path(case: str, target: str, script: str, style: str) -> Path:
    """golden/<case>/<target>.<script>.sh for the default style, <target>.<style>.<script>.sh otherwise."""
    middle = "" if style == "default" else f".{style}"
    return GOLDEN / case / f"{target}{middle}.{script}.sh"


@pytest.mark.parametrize(("case", "target", "script", "style"), PRODUCTS, ids=IDS)
def test_script_matches_golden(case: str, target: str, script: str, style: str, update_golden: bool) -> None:
    result, _source = compiled(case)
    assert result.plan is not None, f"{case} does not compile"
    text = render(result.plan, target, script, style)
    assert_golden(golden_path(case, target, script, style), text, update_golden)


@pytest.mark.parametrize("case", CASES)
def test_diagnostics_match_golden(case: str, update_golden: bool) -> None:
    """Warnings of a golden case are golden too (an empty file when there are none)."""
    result, source = compiled(case)
    text = "".join(render_diagnostic(d, source) + "\n" for d in result.diagnostics)
    assert_golden(GOLDEN / case / "diagnostics.txt", text, update_golden)


@pytest.mark.parametrize(("case", "target", "script", "style"), PRODUCTS, ids=IDS)
def test_golden_passes_shellcheck(case: str, target: str, script: str, style: str) -> None:
    path = golden_path(case, target, script, style)
    run = subprocess.run([SHELLCHECK, "--severity=style", str(path)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize(("case", "target", "script", "style"), PRODUCTS, ids=IDS)
def test_golden_steps_pass_shellcheck(case: str, target: str, script: str, style: str, tmp_path: Path) -> None:
    """The default style's steps are a here-document that `main` sources (see steps_begin.sh.j2):
    shellcheck does not look inside one, so they are checked here as a script of their own."""
    text = golden_path(case, target, script, style).read_text(encoding="utf-8")
    start = text.find("3<<'STEPS'\n")
    if style != "default":
        assert start == -1
        return
    assert start != -1, "default-style scripts run their steps from the STEPS here-document"
    body = text[start + len("3<<'STEPS'\n"): text.index("\nSTEPS\n", start)]
    steps = tmp_path / "steps.sh"
    # `step` is read by the script's on_error, and `in_the_way` set by its helpers: not visible here
    steps.write_text("#!/usr/bin/env bash\n# shellcheck disable=SC2034\n" + body + "\n", encoding="utf-8")
    run = subprocess.run([SHELLCHECK, "--severity=style", str(steps)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize(("case", "target", "script", "style"), PRODUCTS, ids=IDS)
def test_golden_parses_with_bash_n(case: str, target: str, script: str, style: str) -> None:
    run = subprocess.run(["bash", "-n", str(golden_path(case, target, script, style))], capture_output=True,
                         text=True, check=False)
    assert run.returncode == 0, run.stderr


_FUNCTION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\(\) \{", re.M)


_HEREDOC = re.compile(r"<<-?\s*'?([A-Za-z_]+)'?")


def _functions(text: str) -> dict[str, str]:
    """Each shell function a script defines, with its body: to the first line that is a lone `}`
    outside a here-document (an nft ruleset has lines like that)."""
    bodies = {}
    for match in _FUNCTION.finditer(text):
        body, terminator = [], None
        for line in text[match.end():].split("\n"):
            if terminator is None and line == "}":
                break
            body.append(line)
            if terminator is not None:
                terminator = None if line == terminator else terminator
            elif (opened := _HEREDOC.search(line)) and not line.lstrip().startswith("#"):
                terminator = opened.group(1)
        bodies[match.group(1)] = "\n".join(body)
    return bodies


@pytest.mark.parametrize(("case", "target", "script", "style"), PRODUCTS, ids=IDS)
def test_golden_script_carries_only_the_helpers_it_calls(case: str, target: str, script: str, style: str) -> None:
    """Every function a script defines is reached from `main` (directly, through another helper or
    a trap); the plain style defines none."""
    text = golden_path(case, target, script, style).read_text(encoding="utf-8")
    functions = _functions(text)
    if style == "plain":
        assert not functions
        return
    reached, pending = set(), ["main"]
    while pending:
        body = functions[pending.pop()]
        for name in functions:
            if name not in reached and re.search(rf"(?<![\w-]){name}(?![\w-])", body):
                reached.add(name)
                pending.append(name)
    assert set(functions) - {"main"} <= reached, f"never called: {sorted(set(functions) - reached - {'main'})}"


PLAIN_SEED_LINES = 60
"""Issue 15: the tutorial's lab in the plain style (a runbook's list of commands) fits in 60 lines."""


@pytest.mark.parametrize("target", TARGETS)
def test_plain_setup_of_the_seed_lab_is_short(target: str) -> None:
    """The plain setup of golden/seed, rendered afresh, has at most 60 lines; and no line joins
    commands with `;` or `&&` to get there but those that always did: a namespace made and recorded,
    the refusal of a lab set up from another file, the save of a sysctl's value before (and nft's own
    `;` in a chain's definition)."""
    compilation, _source = compiled("seed")
    assert compilation.plan is not None
    text = render(compilation.plan, target, "setup", "plain")
    lines = text.splitlines()
    assert len(lines) <= PLAIN_SEED_LINES, f"{target}: {len(lines)} lines"
    joined = [line for line in lines if not line.startswith("#") and ("; " in line or " && " in line)
              and not line.startswith(("ip netns add ", "if [ ", "[ -e ", "add chain "))]
    assert not joined, joined
