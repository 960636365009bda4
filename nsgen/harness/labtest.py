"""`nsgen test`: build a lab in a fresh sandbox, run its expectations, prove setup and teardown.

For each target, in a new sandbox with the tutorial's uplink: snapshot, setup, expectations,
snapshot A, setup again (exit 0 and state A again), teardown (state as before setup), teardown
again (exit 0). Every step is one row of the results table. Nothing here prints: `prove_lab`
returns a `LabTestReport`, and the CLI shows it and chooses the exit code.
"""

from __future__ import annotations

import ipaddress
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from nsgen.compiler import compile_source, styles
from nsgen.compiler import targets as _targets
from nsgen.compiler.diagnostics import Diagnostic
from nsgen.compiler.plan import ConnectExpectation, Expectation, LabPlan, PingExpectation
from nsgen.compiler.targets import render
from nsgen.harness import probe
from nsgen.harness.sandbox import Sandbox, SandboxError, read_line, stop, unavailable_reason, wait_links_up
from nsgen.harness.snapshot import State

TARGETS: tuple[str, ...] = tuple(_targets.TARGETS)
"""The targets `nsgen test` proves, by their canonical names (the compiler's registry)."""
TARGET_ALIASES: dict[str, str] = dict(_targets.TARGET_ALIASES)
"""Old target names still accepted, and the target each names."""
RERUN_STYLES: tuple[str, ...] = styles.GUARDED_STYLES
"""Styles whose scripts promise a harmless second run and an exact teardown; the others (plain)
are tested by setup, expectations and one teardown only."""
ALL = "all"
POLL_SECONDS = 3.0
"""How long a positive expectation keeps trying (links come up asynchronously)."""
NEGATIVE_SECONDS = 1.0
"""How long a negated expectation keeps trying to get through (it must not)."""
SCRIPT_TIMEOUT = 120.0
_PROBE = Path(probe.__file__).resolve()


@dataclass(frozen=True)
class CheckResult:
    """One row of the results table; `details` (full stderr, full diff) is shown after it on failure."""

    target: str
    check: str
    where: str
    statement: str
    passed: bool
    reason: str
    details: str = ""


class Outcome(str, Enum):
    """How a lab test ended."""

    PASSED = "passed"
    """Every check passed."""
    FAILED = "failed"
    """A check failed (the rows say which)."""
    BAD_LAB = "bad lab"
    """The lab file has errors (the diagnostics say which); nothing was run."""
    UNKNOWN_TARGET = "unknown target"
    """No target of that name; nothing was run."""
    NO_SANDBOX = "no sandbox"
    """No sandbox can be made here (not root, tools missing, ...); nothing was run."""
    SANDBOX_FAILED = "sandbox failed"
    """A sandbox broke down during the test."""


@dataclass(frozen=True)
class LabTestReport:
    """What `nsgen test` found: the outcome, the table's rows, the lab's diagnostics and, for an
    outcome without rows, a message saying why."""

    outcome: Outcome
    rows: tuple[CheckResult, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    message: str = ""

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return self.outcome is Outcome.PASSED


def target_names(target: str) -> tuple[str, ...] | None:
    """The canonical targets `target` stands for (`all`: every one; an old name: its target), or
    None when there is no such target."""
    if target == ALL:
        return TARGETS
    name = TARGET_ALIASES.get(target, target)
    return (name,) if name in TARGETS else None


@dataclass(frozen=True)
class Host:
    """The sandbox host a lab is proven on: its firewall (one of `HOST_FIREWALLS`) and br_netfilter
    (True on, False off, None as the kernel starts a namespace)."""

    firewall: str = "open"
    br_netfilter: bool | None = None


def prove_lab(text: str, file: str, target: str = ALL, style: str = "default", host: Host = Host()) -> LabTestReport:
    """`nsgen test`: compile the lab text (`file` names it), then prove each target in a sandbox
    made like `host`."""
    names = target_names(target)
    if names is None:
        choices = ", ".join([*TARGETS, ALL])
        aliases = "".join(f"; {old} is the old name of {new}" for old, new in TARGET_ALIASES.items())
        return LabTestReport(Outcome.UNKNOWN_TARGET, message=f"unknown target '{target}' (use {choices}{aliases})")
    # Compiled for each target: what one of them cannot express (E150) is an error for that run.
    compilations = [compile_source(text, file, name) for name in names]
    compilation = next((c for c in compilations if not c.ok), compilations[0])
    diagnostics = tuple(compilation.diagnostics)
    if not compilation.ok or (compilation.plan is None and compilation.machines is None):
        return LabTestReport(Outcome.BAD_LAB, diagnostics=diagnostics)
    reason = unavailable_reason()
    if reason:
        return LabTestReport(Outcome.NO_SANDBOX, diagnostics=diagnostics, message=f"cannot test {file}: {reason}")
    rows: list[CheckResult] = []
    try:
        for name, compiled in zip(names, compilations, strict=True):
            if compiled.machines is not None:  # a lab across machines: docs/machines.md
                from nsgen.harness.machinetest import ansible_playbook, check_machine_lab

                if ansible_playbook() is None:
                    return LabTestReport(Outcome.NO_SANDBOX, diagnostics=diagnostics,
                                         message=f"cannot test {file}: it runs on machines, and testing it runs its "
                                                 "playbooks: ansible-playbook is not installed "
                                                 "(pip install 'nsgen[ansible]')")
                rows.extend(check_machine_lab(compiled.machines, file, name, style, host.firewall, host.br_netfilter))
                continue
            assert compiled.plan is not None
            rows.extend(check_lab(compiled.plan, name, style, host))
    except SandboxError as error:
        return LabTestReport(Outcome.SANDBOX_FAILED, tuple(rows), diagnostics, f"the sandbox failed: {error}")
    outcome = Outcome.PASSED if all(row.passed for row in rows) else Outcome.FAILED
    return LabTestReport(outcome, tuple(rows), diagnostics)


def check_lab(plan: LabPlan, target: str, style: str = "default", host: Host = Host()) -> list[CheckResult]:
    """Prove one target (in one output style) of a compiled lab in a fresh sandbox made like `host`;
    one result per step."""
    setup = render(plan, target, "setup", style)
    down = render(plan, target, "down", style)
    with tempfile.TemporaryDirectory(prefix="nsgen-test-", dir=_script_parent()) as workdir:
        setup_path = _write_script(Path(workdir), "setup.sh", setup)
        down_path = _write_script(Path(workdir), "down.sh", down)
        with Sandbox(uplink=True, host_firewall=host.firewall, br_netfilter=host.br_netfilter,
                     ovs=bool(plan.ovs_bridges)) as sandbox:
            return _steps(_Run(sandbox, plan, target, setup_path, down_path, style in RERUN_STYLES))


@dataclass
class _Run:
    """One target's test run: the sandbox, the lab and its scripts."""

    sandbox: Sandbox
    plan: LabPlan
    target: str
    setup: Path
    down: Path
    reruns: bool
    """Whether the style promises a harmless second run and an exact teardown (plain does not)."""

    def script(self, check: str, path: Path) -> tuple[CheckResult, bool]:
        """Run a script in the sandbox root; a result row (pass = exit 0) and whether it exited 0."""
        result = self.sandbox.run(["bash", str(path)], timeout=SCRIPT_TIMEOUT)
        ok = result.returncode == 0
        where = _failed_at(result.stderr) or self.plan.file
        warnings = [line for line in result.stderr.splitlines() if line.startswith("nsgen: warning:")]
        reason = ("exit 0" + "".join(f"; {w.removeprefix('nsgen: ')}" for w in warnings) if ok
                  else f"exit {result.returncode}: {_last_line(result.stderr)}")
        row = CheckResult(self.target, check, where, f"{path.stem} script", ok, reason, result.stderr)
        return row, ok

    def row(self, check: str, statement: str, passed: bool, reason: str, details: str = "") -> CheckResult:
        """A result row for a whole-lab step."""
        return CheckResult(self.target, check, self.plan.file, statement, passed, reason, details)


def _steps(lab: _Run) -> list[CheckResult]:
    """snapshot, setup, expectations, setup again, teardown, teardown again (the second runs and
    the state comparison only for styles that promise them)."""
    before = lab.sandbox.snapshot()
    row, built = lab.script("setup", lab.setup)
    rows = [row]
    if built:
        wait_links_up(lab.sandbox)
        rows += [check_expectation(lab.sandbox, lab.target, e) for e in lab.plan.expectations]
        if lab.reruns:
            rows.append(_setup_again(lab))
    else:
        rows += [_not_run(lab.target, e) for e in lab.plan.expectations]
    rows += _teardown(lab, before)
    return rows


def _setup_again(lab: _Run) -> CheckResult:
    """Setup run on the finished lab must exit 0 and change nothing."""
    built = lab.sandbox.snapshot()
    row, ok = lab.script("setup again", lab.setup)
    if not ok:
        return row
    changes = built.diff(lab.sandbox.snapshot())
    return lab.row("setup again", "idempotent setup", not changes, _changes_reason(changes), "\n".join(changes))


def _teardown(lab: _Run, before: State) -> list[CheckResult]:
    """Teardown must restore the state from before setup; a second teardown must exit 0."""
    row, ok = lab.script("teardown", lab.down)
    rows = [row]
    if not lab.reruns:
        return rows
    if ok:
        changes = before.diff(lab.sandbox.snapshot())
        reason = _changes_reason(changes, "sandbox as before setup")
        rows.append(lab.row("teardown", "state restored", not changes, reason, "\n".join(changes)))
    again, _ = lab.script("teardown again", lab.down)
    return [*rows, again]


def check_expectation(sandbox: Sandbox, target: str, expectation: Expectation) -> CheckResult:
    """Run one `expect` line in the sandbox and say whether it held."""
    if isinstance(expectation, PingExpectation):
        passed, reason = _ping(sandbox, expectation)
    else:
        passed, reason = _connect(sandbox, expectation)
    origin = expectation.origin
    return CheckResult(target, "expect", origin.where, origin.source, passed, reason)


def _ping(sandbox: Sandbox, expectation: PingExpectation) -> tuple[bool, str]:
    """Positive: retry `ping -c 1 -W 1` until a reply or POLL_SECONDS. Negated: one short burst."""
    address = expectation.address.split("/")[0]
    if expectation.negated:
        burst = ["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-w", str(int(NEGATIVE_SECONDS)), address]
        if sandbox.run(burst, expectation.netns, timeout=NEGATIVE_SECONDS + 5).returncode == 0:
            return False, f"{address} answered, but the lab says it must not"
        return True, f"no reply from {address}, as expected"
    once = ["ping", "-n", "-q", "-c", "1", "-W", "1", address]
    started = time.monotonic()
    result = _poll(lambda: sandbox.run(once, expectation.netns, timeout=5), POLL_SECONDS)
    if result.returncode == 0:
        return True, f"reply from {address} after {time.monotonic() - started:.1f} s"
    return False, f"no reply from {address} within {POLL_SECONDS:.0f} s: {_last_line(result.stdout + result.stderr)}"


def _poll(attempt: Callable[[], subprocess.CompletedProcess[str]], seconds: float) -> subprocess.CompletedProcess[str]:
    """Repeat `attempt` until it exits 0 or `seconds` pass (at most 20 tries, 0.1 s apart at least)."""
    deadline = time.monotonic() + seconds
    for _ in range(20):
        started = time.monotonic()
        result = attempt()
        if result.returncode == 0 or time.monotonic() >= deadline:
            break
        time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))
    return result


def _connect(sandbox: Sandbox, expectation: ConnectExpectation) -> tuple[bool, str]:
    """Start a listener that answers with a fresh token; connect; check the token (and the source)."""
    token = secrets.token_hex(8)
    listener = sandbox.popen(
        [sys.executable, "-I", str(_PROBE), "serve", expectation.protocol, str(expectation.listener_port), token],
        expectation.listener_netns,
    )
    try:
        ready = read_line(listener, POLL_SECONDS)
        if not ready.startswith("ready"):
            return False, f"listener in {expectation.listener_netns} did not start: {_last_line(ready)}"
        answer = _client(sandbox, expectation)
    finally:
        stop(listener)
    peers = _peers(listener)
    return _judge_connect(expectation, token, answer, peers)


def _client(sandbox: Sandbox, expectation: ConnectExpectation) -> str:
    """Run the probe client in the expectation's namespace; its one-line verdict."""
    seconds = NEGATIVE_SECONDS if expectation.negated else POLL_SECONDS
    command = [
        sys.executable, "-I", str(_PROBE), "connect",
        expectation.protocol, expectation.address, str(expectation.port), str(seconds),
    ]  # fmt: skip
    result = sandbox.run(command, expectation.netns, timeout=seconds + 10)
    return _last_line(result.stdout) or f"error {_last_line(result.stderr)}"


def _peers(listener: subprocess.Popen[str]) -> list[str]:
    """Source addresses the (stopped) listener printed."""
    assert listener.stdout is not None
    lines = listener.stdout.read().splitlines()
    return [line.split()[1] for line in lines if line.startswith("peer ")]


def _judge_connect(expectation: ConnectExpectation, token: str, answer: str, peers: list[str]) -> tuple[bool, str]:
    """Reached means the listener's token came back; `from` means the listener saw that source."""
    target = f"{expectation.address}:{expectation.port}"
    listener = f"{expectation.listener_netns}:{expectation.listener_port}"
    reached = answer == f"answer {token}"
    seen = ", ".join(sorted(set(peers))) or "nobody"
    if expectation.negated:
        if reached:
            return False, f"{target} reached the listener in {listener} (it saw {seen}), but must not"
        return True, f"{target} did not reach {listener}, as expected"
    if not reached:
        return False, f"{target} did not reach the listener in {listener}: {answer.removeprefix('error ')}"
    if expectation.seen_from and not _same_address(expectation.seen_from, peers):
        return False, f"reached {listener}, but it saw the connection from {seen}, not {expectation.seen_from}"
    source = f", seen from {seen}" if peers else ""
    return True, f"reached {listener}{source}"


def _same_address(expected: str, peers: list[str]) -> bool:
    """True when the listener saw the expected source address."""
    want = ipaddress.ip_address(expected.split("/")[0])
    return any(ipaddress.ip_address(peer) == want for peer in peers)


def _not_run(target: str, expectation: Expectation) -> CheckResult:
    """An expectation skipped because setup failed: that is a failure too."""
    origin = expectation.origin
    return CheckResult(target, "expect", origin.where, origin.source, False, "not run: setup failed")


def _changes_reason(changes: list[str], same: str = "no change") -> str:
    """A one-line summary of a state diff."""
    if not changes:
        return same
    shown = "; ".join(changes[:2])
    more = f" (and {len(changes) - 2} more, see below)" if len(changes) > 2 else ""
    return f"{len(changes)} difference(s): {shown}{more}"


def _failed_at(stderr: str) -> str | None:
    """The `FILE:LINE` a generated script names in its `nsgen: ... failed at FILE:LINE` message."""
    for line in reversed(stderr.splitlines()):
        if "failed at " in line:
            return line.split("failed at ", 1)[1].split()[0].rstrip(":,.")
    return None


def _last_line(text: str) -> str:
    """The last non-empty line of some output, or an empty string."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _script_parent() -> str | None:
    """Where to put the scripts: the usual temp folder, unless it is under `/run`, which the sandbox hides."""
    default = Path(tempfile.gettempdir()).resolve()
    return "/tmp" if default.is_relative_to("/run") else None


def _write_script(directory: Path, name: str, text: str) -> Path:
    """Save a script where the sandbox can read it (only `/run` is private to the sandbox)."""
    path = directory / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o700)
    return path


_COLUMNS = ("TARGET", "CHECK", "WHERE", "STATEMENT", "RESULT", "REASON")


def format_table(results: list[CheckResult] | tuple[CheckResult, ...]) -> str:
    """The results as an aligned text table, one row per check, and a summary line."""
    rows = [_COLUMNS] + [
        (r.target, r.check, r.where, r.statement, "PASS" if r.passed else "FAIL", r.reason) for r in results
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(_COLUMNS) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1] for row in rows
    ]
    failed = sum(not r.passed for r in results)
    lines.append(f"{len(results) - failed} passed, {failed} failed")
    return "\n".join(lines)


def format_details(results: list[CheckResult] | tuple[CheckResult, ...]) -> str:
    """For each failed check with more to say, a heading and its full output; empty when none has."""
    blocks = [
        f"--- {result.target} {result.check} ({result.where}):\n{result.details.rstrip()}"
        for result in results
        if not result.passed and result.details.strip()
    ]
    return "\n".join(blocks)
