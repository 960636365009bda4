"""The `nsgen` command: read a lab file, compile it, print a script or diagnostics, set the exit code.

Exit codes: 0 ok, 1 the lab file has errors (or a lab test failed), 2 usage (bad option, unreadable
file, no sandbox for `nsgen test`). A lab file given without a command is built: `nsgen lab.ns`
is `nsgen build lab.ns`.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from typer.core import TyperGroup

from nsgen import __version__
from nsgen.compiler import targets as _targets
from nsgen.compiler.styles import STYLES
from nsgen.source import LabSource, SourceError, read_lab

if TYPE_CHECKING:
    from typer._click import Context as ClickContext  # the Context click's own methods take

    from nsgen.compiler import Compilation
    from nsgen.compiler.diagnostics import Diagnostic
    from nsgen.compiler.machines import MachinePlans
    from nsgen.compiler.plan import LabPlan
    from nsgen.harness.labtest import LabTestReport

TARGETS: tuple[str, ...] = tuple(_targets.TARGETS)
"""The targets, by their canonical names, from the compiler's registry."""
TARGET_ALIASES: dict[str, str] = dict(_targets.TARGET_ALIASES)
"""Old target names still accepted, and the target each names."""
DEFAULT_TARGET = "iptables"
"""The ip + iptables target (`bash` is its old name)."""
ALL_TARGETS = "all"

_TARGET_ABOUT = {"iptables": "ip + iptables", "bash": "ip + iptables", "nft": "ip + nftables"}
_STYLE_ABOUT = {
    "default": "one readable command per step, guarded, with rollback",
    "batch": "few processes, for big labs",
    "plain": "the tutorial-shaped list of commands, no guards or rollback, for runbooks",
}


class _BuildWhenNoCommand(TyperGroup):
    """The `nsgen` group: arguments that do not start with a command are `build`'s."""

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        """Put `build` in front of a lab file (or a build option) given without a command."""
        if args and self._starts_a_build(ctx, args[0]):
            args = ["build", *args]
        return super().parse_args(ctx, args)

    def _starts_a_build(self, ctx: ClickContext, first: str) -> bool:
        """True for `-` (stdin), an option that is not the group's own (`--target`, `-o`, ...), and
        what looks like a path. A bare word that names no file stays a command name, so a mistyped
        command is reported as one."""
        if first in self.commands:
            return False
        if first.startswith("-"):
            own = {name for param in self.get_params(ctx) for name in (*param.opts, *param.secondary_opts)}
            return first.split("=", 1)[0] not in own
        return "." in first or "/" in first or os.path.exists(first)


app = typer.Typer(
    name="nsgen",
    cls=_BuildWhenNoCommand,
    help="Compile a network-namespace lab file into a reviewable bash script (ip + iptables, or ip + nft)."
    "\n\nA lab file given without a command is built, with build's options: `nsgen lab.ns`, "
    "`nsgen -t nft lab.ns -o setup.sh` and `nsgen -t nft -` (standard input) are `nsgen build ...`.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _aliases_text(aliases: Mapping[str, str]) -> str:
    """`; bash is the old name of iptables` for each alias."""
    return "".join(f"; {old} is the old name of {new}" for old, new in aliases.items())


def _choice(names: Sequence[str], aliases: Mapping[str, str] | None = None) -> Callable[[str], str]:
    """An option callback that accepts `names`, and `aliases` as the name each stands for."""
    known = dict(aliases or {})

    def check(value: str) -> str:
        if value in names:
            return value
        if value in known:
            return known[value]
        shown = ", ".join(repr(name) for name in names)
        raise typer.BadParameter(f"{value!r} is not one of {shown}{_aliases_text(known)}.")

    return check


def _metavar(names: Iterable[str]) -> str:
    return "<" + "|".join(names) + ">"


_TARGET_HELP = "; ".join(f"{name}: {_TARGET_ABOUT.get(name, name)}" for name in TARGETS) + (
    f" ({_aliases_text(TARGET_ALIASES).removeprefix('; ')})." if TARGET_ALIASES else "."
)
_STYLE_HELP = "; ".join(f"{name}: {_STYLE_ABOUT.get(name, 'see docs/language.md')}" for name in STYLES) + "."

FileArg = Annotated[str, typer.Argument(help="The lab file (.ns); '-' reads standard input.", metavar="FILE",
                                           show_default=False)]
TargetOpt = Annotated[str, typer.Option("--target", "-t", help=_TARGET_HELP, metavar=_metavar(TARGETS),
                                        callback=_choice(TARGETS, TARGET_ALIASES))]
OutOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write the script here (made executable).")]
StyleOpt = Annotated[str, typer.Option("--style", help=_STYLE_HELP, metavar=_metavar(STYLES), callback=_choice(STYLES))]
WerrorOpt = Annotated[bool, typer.Option("--werror", help="Treat warnings as errors.")]
TestTargetOpt = Annotated[str, typer.Option(
    "--target", "-t", metavar=_metavar([*TARGETS, ALL_TARGETS]),
    callback=_choice([*TARGETS, ALL_TARGETS], TARGET_ALIASES),
    help=f"Which target to test, or all of them{_aliases_text(TARGET_ALIASES)}.")]

HOST_FIREWALLS = ("open", "docker", "nft-drop")
"""`nsgen test --host-firewall` choices: nsgen.harness.sandbox.HOST_FIREWALLS (not imported here, to
start fast; a test keeps the two equal)."""
HostFirewallOpt = Annotated[str, typer.Option(
    "--host-firewall", metavar=_metavar(HOST_FIREWALLS), callback=_choice(list(HOST_FIREWALLS)),
    help="The sandbox host's firewall before the lab: open (nothing); docker (`iptables -P FORWARD "
         "DROP`, as Docker sets it); nft-drop (an nft table whose forward hook has policy drop).")]
BrNetfilterOpt = Annotated[str, typer.Option(
    "--br-netfilter", metavar="<on|off|kernel>", callback=_choice(["on", "off", "kernel"]),
    help="Whether frames crossing the lab's bridges pass the iptables/nft hooks in the sandbox "
         "(net.bridge.bridge-nf-call-iptables); kernel: as a new namespace starts on this host.")]


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


def _error(text: str) -> None:
    typer.echo(text, err=True)


def _read(file: str) -> LabSource:
    """The lab file (or stdin); a usage error (exit 2) if it cannot be read."""
    try:
        return read_lab(file)
    except SourceError as error:
        _error(f"nsgen: {error}")
        _error(f"hint: {error.hint}")
        raise typer.Exit(2) from None


def render_diagnostics(diagnostics: Iterable[Diagnostic], text: str) -> list[str]:
    """Every diagnostic rendered with its source line; the source is split once for all of them."""
    from nsgen.compiler.diagnostics import render, source_lines

    lines = source_lines(text)
    return [render(diagnostic, text, lines) for diagnostic in diagnostics]


def _print_diagnostics(diagnostics: Sequence[Diagnostic], text: str) -> None:
    if diagnostics:
        _error("\n".join(render_diagnostics(diagnostics, text)))


def _summary(diagnostics: Sequence[Diagnostic], werror: bool) -> tuple[bool, str]:
    """Whether the diagnostics stop the command, and how many errors and warnings there are."""
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    text = f"{errors} error(s), {warnings} warning(s)" + (" (warnings are errors: --werror)" if werror else "")
    return bool(errors or (werror and warnings)), text


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


def _stdin_identity(text: str) -> str:
    """A lab read from standard input has no path: its text identifies it (so two different labs
    piped in with one lab name do not share, and delete, each other's objects)."""
    import hashlib

    return f"<stdin>:{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def _compile_any(source: LabSource, werror: bool, target: str | None = None) -> Compilation:
    """Compile (for `target`: what it cannot express is an error too), print diagnostics to
    stderr, and exit 1 on errors; returns the compilation (a plan, or a plan per machine)."""
    from nsgen.compiler import compile_source

    with _no_gc():
        identity = str(source.path.resolve()) if source.path is not None else _stdin_identity(source.text)
        result = compile_source(source.text, source.name, target, identity)
    _print_diagnostics(result.diagnostics, source.text)
    stop, summary = _summary(result.diagnostics, werror)
    if stop or (result.plan is None and result.machines is None):
        _error(f"nsgen: {source.name}: {summary}; no script written")
        raise typer.Exit(1)
    return result


def _compile(source: LabSource, werror: bool, target: str | None = None) -> LabPlan:
    """`_compile_any` for the commands that take one plan: a lab with machines is a usage error
    (exit 2) that says what `nsgen build --out-dir` would write."""
    result = _compile_any(source, werror, target)
    if result.plan is None:
        assert result.machines is not None
        _machines_need_out_dir(source, result.machines)
    assert result.plan is not None
    return result.plan


def _machines_need_out_dir(source: LabSource, machines: MachinePlans) -> NoReturn:
    from nsgen.compiler.outdir import SETUP, TEARDOWN

    names = list(machines.plans)
    files = [f(name) for name in names for f in (SETUP.format, TEARDOWN.format)]
    _error(f"nsgen: {source.name} is a lab on {len(names)} machines ({', '.join(names)}): it has a script per "
           "machine, not one")
    _error(f"hint: `nsgen build {source.name} --out-dir DIR` writes {', '.join(files)}, inventory.ini, setup.yml "
           "and teardown.yml into DIR (docs/machines.md)")
    raise typer.Exit(2)


def _refuse_to_overwrite(source: LabSource, output: Path | None, what: str = "the script",
                         example: str = "setup.sh") -> None:
    """Usage error (exit 2) when `-o` names the lab file being read."""
    if output is not None and source.is_file(output):
        _error(f"nsgen: -o {output} is the lab file {source.name} itself; refusing to overwrite it")
        _error(f"hint: write {what} to a file of its own, e.g. -o {example}")
        raise typer.Exit(2)


def _emit(file: str, target: str, script: str, style: str, output: Path | None, werror: bool,
          out_dir: Path | None = None) -> None:
    from nsgen.compiler.targets import render

    source = _read(file)
    _refuse_to_overwrite(source, output)
    if out_dir is not None:
        _write_out_dir(source, target, style, out_dir, werror)
        return
    plan = _compile(source, werror, target)
    with _no_gc():
        text = render(plan, target, script, style)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
        output.chmod(0o755)
    except OSError as exc:
        _error(f"nsgen: cannot write {output}: {exc.strerror or exc}")
        raise typer.Exit(2) from None


def _write_out_dir(source: LabSource, target: str, style: str, out_dir: Path, werror: bool) -> None:
    """`build --out-dir DIR` of a lab with machines: its scripts, inventory and playbooks."""
    from nsgen.compiler.outdir import out_dir_files

    result = _compile_any(source, werror, target)
    if result.machines is None:
        _usage("--out-dir is for a lab with machines (docs/machines.md); this lab has none",
               "without --out-dir the setup script is printed, or written to -o FILE")
    plans = result.machines.plans
    lab = next(iter(plans.values())).name
    files = out_dir_files(result.machines, lab, source.name, target, style)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            path = out_dir / name
            if source.is_file(path):
                _usage(f"--out-dir {out_dir} would overwrite the lab file {source.name}", "choose another folder")
            path.write_text(text, encoding="utf-8")
            if name.endswith(".sh"):
                path.chmod(0o755)
    except OSError as exc:
        _error(f"nsgen: cannot write {out_dir}: {exc.strerror or exc}")
        raise typer.Exit(2) from None
    _error(f"nsgen: wrote {len(files)} files to {out_dir}: {', '.join(files)}")


OutDirOpt = Annotated[Path | None, typer.Option(
    "--out-dir", help="A lab with machines: write each machine's setup and teardown script, inventory.ini, "
                      "setup.yml and teardown.yml (Ansible) here.")]


@app.command()
def build(file: FileArg, target: TargetOpt = DEFAULT_TARGET, output: OutOpt = None,
          style: StyleOpt = "default", werror: WerrorOpt = False, out_dir: OutDirOpt = None) -> None:
    """Print the setup script that builds the lab (also: `nsgen FILE` with no command)."""
    if out_dir is not None and output is not None:
        _usage("-o and --out-dir: give one", "-o FILE for a lab without machines, --out-dir DIR for one with them")
    _emit(file, target, "setup", style, output, werror, out_dir)


@app.command()
def down(file: FileArg, target: TargetOpt = DEFAULT_TARGET, output: OutOpt = None,
         style: StyleOpt = "default", werror: WerrorOpt = False) -> None:
    """Print the teardown script: removes what setup creates; safe to run twice."""
    _emit(file, target, "down", style, output, werror)


@app.command()
def inspect(file: FileArg, target: TargetOpt = DEFAULT_TARGET, output: OutOpt = None,
            werror: WerrorOpt = False) -> None:
    """Print a read-only script showing each namespace's links, addresses, routes, ARP table and the rules."""
    _emit(file, target, "inspect", "default", output, werror)


GRAPH_FORMATS = ("dot", "mermaid", "svg")
"""`nsgen graph -f` choices: nsgen.compiler.graph.FORMATS (not imported here, to start fast; a test
keeps the two equal)."""


@app.command()
def graph(file: FileArg,
          format: Annotated[str, typer.Option("--format", "-f", metavar=_metavar(GRAPH_FORMATS),
                                              callback=_choice(GRAPH_FORMATS),
                                              help="dot: Graphviz's language; mermaid: a Mermaid flowchart; "
                                                   "svg: a picture (needs Graphviz's `dot`).")] = "dot",
          output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the graph here.")] = None,
          werror: WerrorOpt = False) -> None:
    """Draw the lab: namespaces, bridges, links with their interfaces and addresses, tunnels, NAT and forwards."""
    from nsgen.compiler.graph import GraphvizError, render_graph

    source = _read(file)
    _refuse_to_overwrite(source, output, "the graph", "lab.svg")
    result = _compile_any(source, werror)
    try:
        text = render_graph(result.plan or result.machines, format)  # type: ignore[arg-type]
    except GraphvizError as error:
        _usage(str(error), error.hint)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _error(f"nsgen: cannot write {output}: {exc.strerror or exc}")
        raise typer.Exit(2) from None


@app.command("fmt")
def fmt_command(
    file: FileArg,
    check_only: Annotated[bool, typer.Option("--check", help="Change nothing: exit 1 and print a unified diff "
                                             "when the file is not in the canonical layout.")] = False,
    write: Annotated[bool, typer.Option("--write", help="Rewrite the file in place (when it changes).")] = False,
) -> None:
    """Print the lab file in its canonical layout (declaration order, one statement a line, comments kept)."""
    from nsgen.compiler.fmt import format_source

    if check_only and write:
        _usage("--check and --write do not go together", "--check to see what would change, --write to change it")
    source = _read(file)
    if write and source.path is None:
        _usage("--write needs a lab file; standard input has none to rewrite", "without --write the layout is printed")
    formatted, diagnostics = format_source(source.text, source.name)
    _print_diagnostics(diagnostics, source.text)
    if formatted is None:
        _error(f"nsgen: {source.name}: {_summary(diagnostics, False)[1]}; not formatted")
        raise typer.Exit(1)
    if check_only:
        raise typer.Exit(_show_difference(source, formatted))
    if not write:
        sys.stdout.write(formatted)
        return
    if formatted != source.text:
        assert source.path is not None
        try:
            source.path.write_text(formatted, encoding="utf-8")
        except OSError as exc:
            _error(f"nsgen: cannot write {source.name}: {exc.strerror or exc}")
            raise typer.Exit(2) from None
        _error(f"nsgen: {source.name}: formatted")


def _show_difference(source: LabSource, formatted: str) -> int:
    """`fmt --check`: 0 when the file is formatted; else print a unified diff and return 1."""
    import difflib

    if formatted == source.text:
        return 0
    for line in difflib.unified_diff(source.text.splitlines(keepends=True), formatted.splitlines(keepends=True),
                                     fromfile=source.name, tofile=f"{source.name} (formatted)"):
        sys.stdout.write(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    _error(f"nsgen: {source.name}: not formatted; `nsgen fmt --write {source.name}` formats it")
    return 1


def _usage(message: str, hint: str) -> NoReturn:
    """A usage error: the message, its hint, exit 2."""
    _error(f"nsgen: {message}")
    _error(f"hint: {hint}")
    raise typer.Exit(2)


@app.command("plan")
def plan_command(file: FileArg, target: TargetOpt = DEFAULT_TARGET, werror: WerrorOpt = False,
                 script: Annotated[bool, typer.Option("--script", help="Print the read-only plan script "
                                                      "instead of running it (to run it on another host).")] = False,
                 ) -> None:
    """Say what setup would add (+), change (~), remove (-) here, and what is there (=) or in the way (!)."""
    if script:
        _emit(file, target, "plan", "default", None, werror)
        return
    from nsgen.compiler.targets import render

    source = _read(file)
    text = render(_compile(source, werror, target), target, "plan")
    try:
        done = subprocess.run(["bash", "-s"], input=text, text=True, check=False)
    except OSError as exc:
        _error(f"nsgen: cannot run bash for the plan: {exc.strerror or exc}")
        raise typer.Exit(2) from None
    raise typer.Exit(done.returncode)


@app.command()
def check(file: FileArg, werror: WerrorOpt = False) -> None:
    """Validate the lab file only: print every error and warning."""
    source = _read(file)
    _compile_any(source, werror)
    _error(f"nsgen: {source.name}: ok")


@app.command("import")
def import_command(
    sources: Annotated[list[str] | None, typer.Argument(
        help="The shell script to import ('-' reads standard input); with --live, the namespaces to read "
             "(default: every namespace).", metavar="SCRIPT|NS...", show_default=False)] = None,
    live: Annotated[bool, typer.Option("--live", help="Read what is running on this host (ip -j, "
                                       "iptables-save, nft list ruleset, /proc/sys) instead of a script; "
                                       "read-only, root for the firewall.")] = False,
    partial: Annotated[bool, typer.Option("--partial", help="Exit 0 even when some lines could not be "
                                          "translated (they are comments in the lab).")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the lab file here.")] = None,
) -> None:
    """Print the lab file equivalent to a shell script of ip/iptables/nft commands (or to what is running)."""
    from nsgen.compiler.diagnostics import source_lines

    if live:
        from nsgen.importer.live import import_live

        result = import_live(sources or [])
        text = ""
    else:
        if not sources or len(sources) != 1:
            _error("nsgen import: give one shell script (or - for standard input), or --live [NS ...]")
            _error("hint: nsgen import tutorial.sh > lab.ns")
            raise typer.Exit(2)
        from nsgen.importer import import_script

        source = _read(sources[0])
        _refuse_to_overwrite(source, output)
        text = source.text
        result = import_script(text, source.name)
    if result.diagnostics:
        lines = source_lines(text)
        from nsgen.compiler.diagnostics import render

        _error("\n".join(render(d, text, lines) for d in result.diagnostics))
    _write(result.text, output, executable=False)
    stop, summary = _summary(result.diagnostics, False)
    if stop:
        _error(f"nsgen import: {summary}; lines it could not translate are comments at the end of the lab"
               + (" (--partial: exit 0)" if partial else ""))
        raise typer.Exit(0 if partial else 1)


def _write(text: str, output: Path | None, executable: bool = True) -> None:
    """Print `text`, or write it to `output` (a usage error, exit 2, if it cannot be written)."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
        if executable:
            output.chmod(0o755)
    except OSError as exc:
        _error(f"nsgen: cannot write {output}: {exc.strerror or exc}")
        raise typer.Exit(2) from None


@app.command()
def test(file: FileArg, target: TestTargetOpt = ALL_TARGETS, style: StyleOpt = "default",
         host_firewall: HostFirewallOpt = "open", br_netfilter: BrNetfilterOpt = "kernel") -> None:
    """Build the lab in a throwaway sandbox, check its `expect` lines, idempotency and teardown."""
    raise typer.Exit(run_test(file, target, style, host_firewall, br_netfilter))


def run_test(file: str, target: str, style: str = "default", host_firewall: str = "open",
             br_netfilter: str = "kernel") -> int:
    """`nsgen test FILE`: prove the lab, print the table (stdout) and the rest (stderr); the exit code."""
    from nsgen.harness.labtest import Host, prove_lab

    host = Host(host_firewall, {"on": True, "off": False}.get(br_netfilter))

    try:
        source = read_lab(file)
    except SourceError as error:
        _error(f"nsgen test: {error}")
        _error(f"hint: {error.hint}")
        return 2
    return _show_report(prove_lab(source.text, source.name, target, style, host), source)


def _show_report(report: LabTestReport, source: LabSource) -> int:
    """Print a lab test's diagnostics, table, failure details and message; its exit code:
    0 passed, 1 a check failed or the lab has errors, 2 the test could not run."""
    from nsgen.harness.labtest import Outcome, format_details, format_table

    _print_diagnostics(report.diagnostics, source.text)
    if report.outcome is Outcome.BAD_LAB:
        _error(f"nsgen: {source.name}: {_summary(report.diagnostics, False)[1]}; not tested")
    if report.rows:
        typer.echo(format_table(report.rows))
        details = format_details(report.rows)
        if details:
            _error(details)
    if report.message:
        _error(f"nsgen test: {report.message}")
    codes = {Outcome.PASSED: 0, Outcome.FAILED: 1, Outcome.BAD_LAB: 1}
    return codes.get(report.outcome, 2)


def run() -> None:
    """Entry point of the `nsgen` script."""
    app()


if __name__ == "__main__":
    run()
