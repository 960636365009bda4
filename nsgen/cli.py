"""The `nsgen` command: read a lab file, compile it, print a script or diagnostics, set the exit code.

Exit codes: 0 ok, 1 the lab file has errors (or a lab test failed), 2 usage (bad option, missing file).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from nsgen import __version__

app = typer.Typer(
    name="nsgen",
    help="Compile a network-namespace lab file into a reviewable bash script (ip + iptables, or ip + nft).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class TargetName(str, Enum):
    """Firewall back end of the generated scripts."""

    bash = "bash"
    nft = "nft"


class TestTarget(str, Enum):
    """Targets `nsgen test` can run."""

    bash = "bash"
    nft = "nft"
    all = "all"


class Style(str, Enum):
    """Output style: one readable command per step, or batched for big labs."""

    default = "default"
    batch = "batch"


FileArg = Annotated[str, typer.Argument(help="The lab file (.ns); '-' reads standard input.", metavar="FILE",
                                           show_default=False)]
TargetOpt = Annotated[TargetName, typer.Option("--target", "-t", help="bash: ip + iptables; nft: ip + nftables.")]
OutOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write the script here (made executable).")]
StyleOpt = Annotated[Style, typer.Option(
    "--style", help="default: one readable command per step; batch: few processes, for big labs.")]
WerrorOpt = Annotated[bool, typer.Option("--werror", help="Treat warnings as errors.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nsgen {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """nsgen: network-namespace labs from a few lines of text."""


def _read(file: str) -> tuple[str, str]:
    """The lab text and the name diagnostics use for it; usage error (exit 2) if unreadable."""
    if file == "-":
        return sys.stdin.buffer.read().decode("utf-8-sig", errors="replace"), "<stdin>"
    try:
        data = Path(file).read_bytes()
    except OSError as exc:
        typer.echo(f"nsgen: cannot read {file}: {exc.strerror or exc}", err=True)
        typer.echo("hint: give the path of a lab file, e.g. examples/seed.ns", err=True)
        raise typer.Exit(2) from None
    # utf-8-sig: a byte-order mark some editors write is not part of the lab.
    return data.decode("utf-8-sig", errors="replace"), file


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while compiling and rendering.

    A big lab allocates millions of small objects that stay alive until the script is printed;
    each generation-2 pass walks all of them, which makes compile time grow faster than the lab
    (N=10000: a third of the run). They form no garbage cycles worth collecting, so the pause
    costs no memory; reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _compile(file: str, werror: bool) -> object:
    """Compile, print diagnostics to stderr, and exit 1 on errors; returns the plan."""
    from nsgen.compiler import compile_source
    from nsgen.compiler.diagnostics import render

    text, name = _read(file)
    with _no_gc():
        result = compile_source(text, name)
    for diagnostic in result.diagnostics:
        typer.echo(render(diagnostic, text), err=True)
    errors = sum(d.is_error for d in result.diagnostics)
    warnings = len(result.diagnostics) - errors
    if errors or (werror and warnings):
        summary = f"{errors} error(s), {warnings} warning(s)" + (" (warnings are errors: --werror)" if werror else "")
        typer.echo(f"nsgen: {name}: {summary}; no script written", err=True)
        raise typer.Exit(1)
    return result.plan


def _emit(file: str, target: TargetName, script: str, style: Style, output: Path | None, werror: bool) -> None:
    from nsgen.compiler.targets import render

    plan = _compile(file, werror)
    with _no_gc():
        text = render(plan, target.value, script, style.value)  # type: ignore[arg-type]
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
        output.chmod(0o755)
    except OSError as exc:
        typer.echo(f"nsgen: cannot write {output}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def build(file: FileArg, target: TargetOpt = TargetName.bash, output: OutOpt = None,
          style: StyleOpt = Style.default, werror: WerrorOpt = False) -> None:
    """Print the setup script that builds the lab."""
    _emit(file, target, "setup", style, output, werror)


@app.command()
def down(file: FileArg, target: TargetOpt = TargetName.bash, output: OutOpt = None,
         style: StyleOpt = Style.default, werror: WerrorOpt = False) -> None:
    """Print the teardown script: removes what setup creates; safe to run twice."""
    _emit(file, target, "down", style, output, werror)


@app.command()
def inspect(file: FileArg, target: TargetOpt = TargetName.bash, output: OutOpt = None,
            werror: WerrorOpt = False) -> None:
    """Print a read-only script showing each namespace's links, addresses, routes, ARP table and the rules."""
    _emit(file, target, "inspect", Style.default, output, werror)


@app.command()
def check(file: FileArg, werror: WerrorOpt = False) -> None:
    """Validate the lab file only: print every error and warning."""
    _compile(file, werror)
    typer.echo(f"nsgen: {file if file != '-' else '<stdin>'}: ok", err=True)


TestTargetOpt = Annotated[TestTarget, typer.Option("--target", "-t", help="Which target(s) to test.")]


@app.command()
def test(file: FileArg, target: TestTargetOpt = TestTarget.all, style: StyleOpt = Style.default) -> None:
    """Build the lab in a throwaway sandbox, check its `expect` lines, idempotency and teardown."""
    from nsgen.harness import labtest

    raise typer.Exit(labtest.run(file, target.value, style.value))


def run() -> None:
    """Entry point of the `nsgen` script."""
    app()


if __name__ == "__main__":
    run()
