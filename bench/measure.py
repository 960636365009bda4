"""Measurements: nsgen compile time, apply/teardown of a script pair, Mininet start/stop.

Every measured run gets a fresh sandbox of its own, nsgen's (`nsgen.harness.sandbox`: new
network, mount and pid namespaces, tmpfs on /run, /proc/sys read-only except /proc/sys/net), so
runs cannot see each other's state and nothing reaches the host. All apply and teardown times
are taken inside the sandbox with bash's ``$EPOCHREALTIME`` around ``bash SCRIPT``, so they
include bash's own start but not the sandbox set-up.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from labgen import BRIDGE, BRIDGE_ADDRESS, PREFIX, address, namespace

from nsgen.harness.sandbox import Sandbox

MININET = Path("/usr/bin/mn")

# Bash helpers that inspect the sandbox's state after apply and after teardown.
CHECKS = (
    r"""
mark() { echo "BENCH $*"; }
ports_total() { ip -o link show master {bridge} 2>/dev/null | wc -l; }
ports_up() { ip -o link show master {bridge} 2>/dev/null | grep -c 'state UP'; }
netns_count() { ip netns list 2>/dev/null | wc -l; }
dnat_rules() { nft list ruleset 2>/dev/null | grep -cE 'dnat (ip )?to'; }
masq_rules() { nft list ruleset 2>/dev/null | grep -c 'masquerade'; }
veth_count() { ip -o link show type veth 2>/dev/null | wc -l; }
ns_ok() {
  ip -n "$1" -4 -o addr show 2>/dev/null | grep -q "inet $2/{prefix} " &&
  ip -n "$1" route show default 2>/dev/null | grep -q "via {gateway}"
}
wait_ports_up() {
  local i
  for ((i = 0; i < 200; i++)); do
    [ "$(ports_up)" -ge "$1" ] && return 0
    sleep 0.05
  done
  return 1
}
wait_no_veth() {
  local i
  for ((i = 0; i < 1200; i++)); do
    [ "$(veth_count)" -eq 0 ] && return 0
    sleep 0.05
  done
  return 1
}
check_applied() {
  local p=""
  [ "$(netns_count)" -eq "$1" ] || p+="netns=$(netns_count),"
  [ "$(ports_total)" -eq "$1" ] || p+="bridge-ports=$(ports_total),"
  [ "$(ports_up)" -eq "$1" ] || p+="ports-up=$(ports_up),"
  [ "$(dnat_rules)" -ge "$1" ] || p+="dnat-rules=$(dnat_rules),"
  [ "$(masq_rules)" -ge 1 ] || p+="no-masquerade,"
  ns_ok "$2" "$3" || p+="$2-config,"
  ns_ok "$4" "$5" || p+="$4-config,"
  echo "${p:-ok}"
}
check_down() {
  local p=""
  wait_no_veth || p+="veths-left=$(veth_count),"
  [ "$(netns_count)" -eq 0 ] || p+="netns-left=$(netns_count),"
  ip link show {bridge} >/dev/null 2>&1 && p+="bridge-left,"
  [ "$(dnat_rules)" -eq 0 ] || p+="dnat-left=$(dnat_rules),"
  [ "$(masq_rules)" -eq 0 ] || p+="masquerade-left,"
  echo "${p:-ok}"
}
""".replace("{bridge}", BRIDGE)
    .replace("{prefix}", str(PREFIX))
    .replace("{gateway}", BRIDGE_ADDRESS)
)

PAIR_DRIVER = r"""
cd {workdir}
t0=$EPOCHREALTIME; bash apply.sh >apply.log 2>&1; rc=$?; t1=$EPOCHREALTIME
mark apply "$rc" "$t0" "$t1"
wait_ports_up {n}; mark settle "$t1" "$EPOCHREALTIME"
mark check_apply "$(check_applied {n} {first} {first_addr} {last} {last_addr})"
t2=$EPOCHREALTIME; bash down.sh >down.log 2>&1; rc=$?; t3=$EPOCHREALTIME
mark teardown "$rc" "$t2" "$t3"
wait_no_veth; mark gone "$t3" "$EPOCHREALTIME"
mark check_down "$(check_down)"
"""

MININET_DRIVER = r"""
cd /tmp
mark() {{ echo "BENCH $*"; }}
mark start_at "$EPOCHREALTIME"
PYTHONUNBUFFERED=1 timeout {limit} mn --switch lxbr --controller none --topo single,{n} \
  --test none 2>&1 | {{
  seen=""
  while IFS= read -r line; do
    if [ -z "$seen" ] && [[ $line == "*** Stopping"* ]]; then
      seen=1; mark stopping_at "$EPOCHREALTIME"
    fi
    [[ $line =~ ^\*\*\*\ Stopping\ ([0-9]+)\ hosts ]] && mark hosts "${{BASH_REMATCH[1]}}"
    [[ $line == "*** Done"* ]] && mark done yes
    echo "$line" >>/tmp/mn.log
  done
}}
rc=${{PIPESTATUS[0]}}
mark end_at "$rc" "$EPOCHREALTIME"
[ "$rc" -eq 0 ] || tail -n 20 /tmp/mn.log >&2
"""


@dataclass
class SandboxResult:
    """What a sandboxed driver printed and how it ended (returncode None: timed out)."""

    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool

    def marks(self) -> dict[str, list[str]]:
        """Lines of the form ``BENCH key value...`` as {key: [values...]} (last wins)."""
        found: dict[str, list[str]] = {}
        for line in self.stdout.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "BENCH":
                found[parts[1]] = parts[2:]
        return found


def run_sandboxed(body: str, timeout: float, private_tmp_home: bool = False) -> SandboxResult:
    """Run ``body`` (bash) in a fresh sandbox, ended after ``timeout`` s; optionally with a
    private /tmp and HOME (for Mininet, which cleans up by broad name). A sandbox that cannot be
    made, or that would share this process's network namespace, raises SandboxError: the
    benchmark stops before running anything."""
    with Sandbox(private_tmp_home=private_tmp_home) as sandbox:
        done = sandbox.run(["bash", "-c", body], timeout=timeout)
    return SandboxResult(None if done.timed_out else done.returncode, done.stdout, done.stderr, done.timed_out)


@dataclass
class RunResult:
    """One measured apply+teardown (or Mininet start+stop) in one fresh sandbox."""

    apply: float | None = None
    teardown: float | None = None
    settle: float | None = None
    gone: float | None = None
    load: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when both phases ran, succeeded and left the expected state."""
        return self.apply is not None and self.teardown is not None and not self.problems


def time_command(argv: list[str], cwd: Path, out: Path) -> tuple[float, int, str]:
    """Wall time of ``argv`` (interpreter start included), its exit code and stderr."""
    start = time.perf_counter()
    with out.open("w") as handle:
        proc = subprocess.run(argv, cwd=cwd, stdout=handle, stderr=subprocess.PIPE, text=True, check=False)
    return time.perf_counter() - start, proc.returncode, proc.stderr


def nsgen_argv(command: str, lab: Path, target: str, style: str) -> list[str]:
    """``python -m nsgen.cli build|down LAB -t TARGET [--style STYLE]``."""
    argv = [sys.executable, "-m", "nsgen.cli", command, str(lab), "-t", target]
    if style != "default":
        argv += ["--style", style]
    return argv


def _elapsed(values: list[str] | None, first: int) -> float | None:
    """Seconds between two $EPOCHREALTIME values at ``first`` and ``first+1``."""
    if not values or len(values) < first + 2:
        return None
    return float(values[first + 1]) - float(values[first])


def _phase(marks: dict[str, list[str]], key: str, problems: list[str]) -> float | None:
    """Duration of a ``BENCH key rc t0 t1`` phase; a non-zero rc is a problem."""
    values = marks.get(key)
    if not values:
        problems.append(f"{key}: not reached")
        return None
    if values[0] != "0":
        problems.append(f"{key}: exit {values[0]}")
    return _elapsed(values, 1)


def _check(marks: dict[str, list[str]], key: str, problems: list[str]) -> None:
    """Record the state check ``key`` unless it said ok."""
    values = marks.get(key)
    if values and values[0] != "ok":
        problems.append(f"{key}: {' '.join(values).rstrip(',')}")


def _sandbox_problems(result: SandboxResult) -> list[str]:
    """Problems of the sandbox itself (time-out, set-up failure)."""
    if result.timed_out:
        return ["timed out"]
    if result.returncode:
        return [f"sandbox exit {result.returncode}: {result.stderr.strip()[-300:]}"]
    return []


def run_pair(workdir: Path, n: int, timeout: float) -> RunResult:
    """Apply ``workdir/apply.sh`` then ``workdir/down.sh`` for an N lab in a fresh sandbox."""
    body = CHECKS + PAIR_DRIVER.format(
        workdir=workdir,
        n=n,
        first=namespace(1),
        first_addr=address(1),
        last=namespace(n),
        last_addr=address(n),
    )
    result = run_sandboxed(body, timeout)
    marks = result.marks()
    problems = _sandbox_problems(result)
    run = RunResult(problems=problems)
    run.apply = _phase(marks, "apply", problems)
    run.settle = _elapsed(marks.get("settle"), 0)
    _check(marks, "check_apply", problems)
    run.teardown = _phase(marks, "teardown", problems)
    run.gone = _elapsed(marks.get("gone"), 0)
    _check(marks, "check_down", problems)
    for name in ("apply.log", "down.log"):
        tail = _log_tail(workdir / name)
        if problems and tail:
            problems.append(f"{name} ends: {tail}")
    return run


def _log_tail(path: Path, lines: int = 2) -> str:
    """Last lines of a script's log, joined, for a failure message."""
    try:
        text = path.read_text(errors="replace").strip()
    except OSError:
        return ""
    return " / ".join(text.splitlines()[-lines:])[-300:]


def run_mininet(n: int, timeout: float) -> RunResult:
    """Mininet ``single,N`` on a Linux bridge: start (to its first 'Stopping') and stop."""
    body = MININET_DRIVER.format(n=n, limit=int(timeout))
    result = run_sandboxed(body, timeout + 30, private_tmp_home=True)
    marks = result.marks()
    problems = _sandbox_problems(result)
    run = RunResult(problems=problems)
    start, stopping, end = marks.get("start_at"), marks.get("stopping_at"), marks.get("end_at")
    if not (start and stopping and end):
        problems.append(f"mininet did not finish: {result.stderr.strip()[-300:]}")
        return run
    if end[0] != "0" or marks.get("done") != ["yes"]:
        problems.append(f"mn exit {end[0]}: {result.stderr.strip()[-300:]}")
    if marks.get("hosts") != [str(n)]:
        problems.append(f"hosts: {marks.get('hosts')}")
    run.apply = float(stopping[0]) - float(start[0])
    run.teardown = float(end[1]) - float(stopping[0])
    return run
