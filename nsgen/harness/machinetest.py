"""`nsgen test` of a lab across machines (issue 11, docs/machines.md).

Each machine is a sandbox of its own (network, mount and pid namespaces, its own /run), with an
`eth0` holding the machine's underlay address; one more sandbox holds the underlay: a bridge that
every machine's `eth0` is a port of. The lab's generated `setup.yml` and `teardown.yml` run for
real with `ansible-playbook`, through the connection `nsgen_sandbox` (nsgen/harness/ansible), which
enters the machine's sandbox with nsenter: no sshd, keys or users to set up, and nothing listening
anywhere, while the playbooks, the `script` module and `become` run as they do against ssh hosts.

Steps per target: snapshot every machine, setup.yml, each machine's `expect` lines in its sandbox,
setup.yml again (exit 0, no machine changed), teardown.yml, every machine as before, teardown.yml
again (the plain style, which promises no second run, runs setup and teardown once).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from nsgen.compiler.machines import MachinePlans
from nsgen.compiler.outdir import group_name, out_dir_files
from nsgen.harness.labtest import RERUN_STYLES, CheckResult, check_expectation
from nsgen.harness.sandbox import Sandbox, SandboxError, wait_links_up
from nsgen.harness.snapshot import State

PLAYBOOK_TIMEOUT = 300.0
UNDERLAY_BRIDGE = "underlay"
PLUGINS = Path(__file__).parent / "ansible" / "connection"


def ansible_playbook() -> str | None:
    """The ansible-playbook next to this Python (a venv with the `ansible` extra), or on PATH."""
    beside = Path(sys.executable).parent / "ansible-playbook"
    return str(beside) if beside.exists() else shutil.which("ansible-playbook")


@dataclass
class Machines:
    """The simulated machines: a sandbox each, by name, and the underlay's sandbox."""

    underlay: Sandbox
    sandboxes: dict[str, Sandbox] = field(default_factory=dict)

    def snapshot(self) -> dict[str, State]:
        return {name: sandbox.snapshot() for name, sandbox in self.sandboxes.items()}


def _run_checked(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    if result.returncode != 0:
        raise SandboxError(f"{' '.join(argv)}: {result.stderr.strip()}")


@contextmanager
def simulated_machines(addresses: dict[str, str], host_firewall: str = "open",
                       br_netfilter: bool | None = None) -> Iterator[Machines]:
    """A sandbox per machine joined by an underlay bridge in a sandbox of its own. Every command
    runs in a sandbox: the underlay veth is made in the machine's network namespace (nsenter --net)
    with its peer sent straight to the underlay's (`netns PID`), never through the host's."""
    with ExitStack() as stack:
        underlay = stack.enter_context(Sandbox())
        machines = Machines(underlay)
        _ok(underlay.run(["ip", "link", "add", UNDERLAY_BRIDGE, "up", "type", "bridge"]))
        for index, (name, address) in enumerate(addresses.items(), start=1):
            sandbox = stack.enter_context(Sandbox(host_firewall=host_firewall, br_netfilter=br_netfilter))
            machines.sandboxes[name] = sandbox
            port = f"m{index}"
            _run_checked(["nsenter", f"--target={sandbox.pid}", "--net", "--", "ip", "link", "add", "eth0", "type",
                          "veth", "peer", "name", port, "netns", str(underlay.pid)])
            _ok(underlay.run(["ip", "link", "set", port, "master", UNDERLAY_BRIDGE, "up"]))
            _ok(sandbox.run(["ip", "addr", "add", f"{address}/32", "dev", "eth0"]))
            _ok(sandbox.run(["ip", "link", "set", "eth0", "up"]))
            for other, peer in addresses.items():
                if other != name:
                    _ok(sandbox.run(["ip", "route", "add", f"{peer}/32", "dev", "eth0"]))
        yield machines


def _ok(result: subprocess.CompletedProcess[str]) -> None:
    if result.returncode != 0:
        raise SandboxError(f"{' '.join(result.args)}: {result.stderr.strip()}")


def sandbox_inventory(machines: Machines, lab: str) -> str:
    """The inventory `nsgen test` runs the playbooks with: the generated one's machines, each
    reached through `nsgen_sandbox` (become by `su`: the sandboxes run as root and have no sudo)."""
    lines = [f"[{group_name(lab)}]"]
    lines += [f"{name} ansible_connection=nsgen_sandbox nsgen_sandbox_pid={sandbox.pid} ansible_become_method=su"
              for name, sandbox in machines.sandboxes.items()]
    return "\n".join(lines) + "\n"


def run_playbook(folder: Path, playbook: str, inventory: str = "sandbox.ini") -> subprocess.CompletedProcess[str]:
    """ansible-playbook in `folder` (bounded in time), with the sandbox connection plugin."""
    binary = ansible_playbook()
    if binary is None:
        raise SandboxError("ansible-playbook is not installed (pip install 'nsgen[ansible]')")
    env = {**os.environ, "ANSIBLE_CONNECTION_PLUGINS": str(PLUGINS), "ANSIBLE_LOCAL_TEMP": str(folder / ".ansible"),
           "ANSIBLE_REMOTE_TEMP": str(folder / ".ansible-remote"), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_FORKS": "8", "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_RETRY_FILES_ENABLED": "False"}
    try:
        return subprocess.run([binary, "-i", inventory, playbook], cwd=folder, capture_output=True, text=True,
                              env=env, timeout=PLAYBOOK_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as expired:
        return subprocess.CompletedProcess(expired.cmd, 124, str(expired.stdout or ""), "timed out")


def write_out_dir(folder: Path, machines: MachinePlans, lab: str, file: str, target: str, style: str) -> None:
    for name, text in out_dir_files(machines, lab, file, target, style).items():
        (folder / name).write_text(text, encoding="utf-8")
        if name.endswith(".sh"):
            (folder / name).chmod(0o755)


def check_machine_lab(machines: MachinePlans, file: str, target: str, style: str = "default",
                      host_firewall: str = "open", br_netfilter: bool | None = None) -> list[CheckResult]:
    """Prove one target of a machine lab: the generated playbooks against simulated machines (each
    made with the host firewall and br_netfilter given, as `nsgen test` makes its one host)."""
    lab = next(iter(machines.plans.values())).name
    rows: list[CheckResult] = []
    reruns = style in RERUN_STYLES

    def row(check: str, statement: str, passed: bool, reason: str, details: str = "") -> None:
        rows.append(CheckResult(target, check, file, statement, passed, reason, details))

    with tempfile.TemporaryDirectory(prefix="nsgen-machines-") as workdir:
        folder = Path(workdir)
        write_out_dir(folder, machines, lab, file, target, style)
        with simulated_machines(machines.addresses, host_firewall, br_netfilter) as simulated:
            (folder / "sandbox.ini").write_text(sandbox_inventory(simulated, lab), encoding="utf-8")
            before = simulated.snapshot()
            setup = run_playbook(folder, "setup.yml")
            row("setup", "setup.yml (ansible-playbook)", setup.returncode == 0, _outcome(setup), setup.stdout)
            if setup.returncode == 0:
                for name, plan in machines.plans.items():
                    sandbox = simulated.sandboxes[name]
                    wait_links_up(sandbox)
                    for expectation in plan.expectations:
                        result = check_expectation(sandbox, target, expectation)
                        rows.append(CheckResult(target, result.check, result.where, f"{name}: {result.statement}",
                                                result.passed, result.reason, result.details))
                if reruns:
                    built = simulated.snapshot()
                    again = run_playbook(folder, "setup.yml")
                    changes = _changes(built, simulated.snapshot())
                    row("setup again", "setup.yml again: no machine changes", again.returncode == 0 and not changes,
                        _outcome(again) + (f"; {len(changes)} change(s)" if changes else "; no change"),
                        again.stdout + "\n".join(changes))
            down = run_playbook(folder, "teardown.yml")
            row("teardown", "teardown.yml (ansible-playbook)", down.returncode == 0, _outcome(down), down.stdout)
            if reruns:  # the plain style promises neither a harmless second run nor an exact teardown
                changes = _changes(before, simulated.snapshot())
                row("teardown", "state restored", not changes,
                    f"{len(changes)} change(s)" if changes else "every machine as before setup", "\n".join(changes))
                again = run_playbook(folder, "teardown.yml")
                row("teardown again", "teardown.yml again", again.returncode == 0, _outcome(again), again.stdout)
    return rows


def _changes(before: dict[str, State], after: dict[str, State]) -> list[str]:
    return [f"{name}: {change}" for name in before for change in before[name].diff(after[name])]


def _outcome(result: subprocess.CompletedProcess[str]) -> str:
    if result.returncode == 0:
        return "exit 0"
    failed = [line.strip() for line in (result.stdout + result.stderr).splitlines()
              if '"msg"' in line or "msg:" in line]
    return f"exit {result.returncode}: {failed[-1] if failed else (result.stderr.strip() or 'failed')[-300:]}"
