"""The lab's record (/run/nsgen/labs/LAB): what a lab's setup created, and nothing else, is
deleted; two labs do not undo each other; runs of one lab take turns; an interrupt at any command
leaves a host that teardown restores exactly and setup then completes.

Scenarios from the ownership issue: a namespace that existed before setup was deleted by teardown
with everything in it; two lab files with one lab name shared (and deleted) each other's objects;
tearing down one of two NAT labs turned IPv4 forwarding off under the other, and after both it was
left on; Ctrl-C between creating and recording left objects no teardown removes.
"""

from __future__ import annotations

import os
import shlex
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nsgen.compiler import compile_source
from nsgen.compiler.styles import GUARDED_STYLES, STYLES
from nsgen.compiler.targets import render
from nsgen.harness.sandbox import Sandbox
from tests.scriptcheck import write_scripts

pytestmark = pytest.mark.sandbox


@pytest.fixture(autouse=True)
def _interruptible() -> Iterator[None]:
    """The scripts under test must be able to receive INT. A test run started in the background
    (`nohup pytest ... &` from a script) ignores INT, as POSIX shells make background jobs do, and
    a process inherits an ignored signal through exec: bash then cannot even trap it, and the
    interrupt tests see setup run to its end. A handler of our own here is reset to the default in
    the commands we start."""
    previous = signal.getsignal(signal.SIGINT)
    if previous == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    if previous == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

ROOT = Path(__file__).resolve().parents[2]

NAT_LAB = """\
lab {name}
ns {name}a
bridge br-{name} ip 10.{n}.0.1/24
veth {name}a<->br-{name} ip 10.{n}.0.2/24
route {name}a default via 10.{n}.0.1
nat masquerade 10.{n}.0.0/24
"""


def _scripts(text: str, target: str, style: str, folder: Path, source: str = "lab.ns") -> tuple[Path, Path]:
    """Setup and teardown scripts of a lab, compiled as if read from the file `source`."""
    return write_scripts(text, "lab.ns", style, folder, target, source)


def _ok(sandbox: Sandbox, script: Path, *env: str) -> str:
    run = sandbox.run(["env", *env, "bash", str(script)], timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stderr


@pytest.mark.parametrize("style", STYLES)
def test_a_namespace_that_was_there_before_is_used_never_deleted(target: str, style: str, tmp_path: Path) -> None:
    lab = ("ns red\nbridge v-net-0 ip 192.168.15.5/24\nveth red<->v-net-0 ip 192.168.15.1/24\n"
           "route red 10.77.0.0/24 via 192.168.15.5\n")
    setup, down = _scripts(lab, target, style, tmp_path)
    with Sandbox() as sandbox:
        for command in (["ip", "netns", "add", "red"],
                        ["ip", "-n", "red", "link", "add", "u0", "type", "veth", "peer", "name", "u1"]):
            assert sandbox.run(command).returncode == 0
        before = sandbox.snapshot()
        if style == "plain":  # plain setup makes what it is told to, and fails on what is there
            assert sandbox.run(["bash", str(setup)]).returncode != 0
        else:
            said = _ok(sandbox, setup)
            assert "namespace 'red' was there before" in said or "namespace red was there before" in said, said
            assert "veth-red" in sandbox.run(["ip", "-n", "red", "-o", "link", "show"]).stdout
        said = _ok(sandbox, down)
        assert "netns red" in "\n".join(f"netns {n}" for n in sandbox.namespaces()), "teardown deleted red"
        assert "u0" in sandbox.run(["ip", "-n", "red", "-o", "link", "show"]).stdout
        changes = before.diff(sandbox.snapshot())
        assert not changes, "teardown did not restore the host:\n" + "\n".join(changes)


@pytest.mark.parametrize("style", STYLES)
def test_teardown_of_a_lab_never_set_up_keeps_a_namespace_of_that_name(target: str, style: str,
                                                                       tmp_path: Path) -> None:
    _setup, down = _scripts("ns red\nns blue\n", target, style, tmp_path)
    with Sandbox() as sandbox:
        assert sandbox.run(["ip", "netns", "add", "red"]).returncode == 0
        before = sandbox.snapshot()
        _ok(sandbox, down)
        assert not before.diff(sandbox.snapshot())


TWO_LABS_ONE_RED = """\
lab {name}
ns red
bridge br-{name} ip 10.{n}.0.1/24
veth red<->br-{name} ip 10.{n}.0.2/24
"""


@pytest.mark.parametrize("style", STYLES)
def test_a_second_lab_declaring_the_same_namespace_does_not_take_it_over(target: str, style: str,
                                                                         tmp_path: Path) -> None:
    """Lab two also declares `ns red`, with its veth to its own bridge: its setup must not move
    lab one's veth in red to its bridge nor add its address there, and its teardown must not
    delete red. Guarded styles refuse the veth (lab one made it) and roll back; plain stops at
    `ip netns add red` (File exists). Lab one then still works and tears down completely."""
    one, two = (_scripts(TWO_LABS_ONE_RED.format(name=name, n=n), target, style, tmp_path / name)
                for name, n in (("one", 31), ("two", 32)))
    with Sandbox() as sandbox:
        empty = sandbox.snapshot()
        _ok(sandbox, one[0])
        state = sandbox.snapshot()
        run = sandbox.run(["bash", str(two[0])], timeout=60)
        assert run.returncode != 0, "lab two's setup took over lab one's namespace"
        if style == "plain":
            assert "File exists" in run.stderr, run.stderr
        else:
            assert "was not made by" in run.stderr, run.stderr
        changes = [c for c in state.diff(sandbox.snapshot())
                   if style != "plain" or "/run/nsgen/labs/two" not in c]  # plain: no rollback of its record
        assert not changes, "\n".join(changes)
        _ok(sandbox, two[1])
        changes = state.diff(sandbox.snapshot())
        assert not changes, "lab two's teardown changed lab one:\n" + "\n".join(changes)
        _ok(sandbox, one[1])
        changes = empty.diff(sandbox.snapshot())
        assert not changes, "\n".join(changes)


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_a_second_lab_file_with_the_same_lab_name_is_refused(target: str, style: str, tmp_path: Path) -> None:
    first = _scripts("lab lab\nns red\n", target, style, tmp_path / "a", "/labs/a/lab.ns")
    second = _scripts("lab lab\nns blue\n", target, style, tmp_path / "b", "/labs/b/lab.ns")
    with Sandbox() as sandbox:
        _ok(sandbox, first[0])
        state = sandbox.snapshot()
        for script in second:
            run = sandbox.run(["bash", str(script)])
            assert run.returncode == 1, run.stderr
            assert "/labs/a/lab.ns" in run.stderr and "lab NAME" in run.stderr, run.stderr
        assert not state.diff(sandbox.snapshot()), "the second lab file changed the first lab"
        plain = _scripts("lab lab\nns blue\n", target, "plain", tmp_path / "c", "/labs/c/lab.ns")[0]
        run = sandbox.run(["bash", str(plain)])
        assert run.returncode == 1 and "another lab file" in run.stderr, run.stderr
        assert not state.diff(sandbox.snapshot()), "a plain setup of another lab file changed the first lab"
        _ok(sandbox, first[1])
        assert not sandbox.namespaces()


@pytest.mark.parametrize("style", STYLES)
def test_ip_forward_comes_back_only_after_the_last_lab_that_needs_it(target: str, style: str,
                                                                      tmp_path: Path) -> None:
    labs = [_scripts(NAT_LAB.format(name=name, n=n), target, style, tmp_path / name) for n, name in
            ((21, "one"), (22, "two"))]
    forwarding = ["cat", "/proc/sys/net/ipv4/ip_forward"]
    with Sandbox() as sandbox:
        assert sandbox.run(forwarding).stdout.strip() == "0"
        before = sandbox.snapshot()
        for setup, _down in labs:
            _ok(sandbox, setup)
        _ok(sandbox, labs[0][1])
        assert sandbox.run(forwarding).stdout.strip() == "1", "one lab's teardown turned forwarding off under the other"
        _ok(sandbox, labs[1][1])
        assert sandbox.run(forwarding).stdout.strip() == "0", "forwarding was left on after both labs"
        changes = before.diff(sandbox.snapshot())
        assert not changes, "\n".join(changes)


SYSCTL_LAB = """\
lab {name}
ns {name}a
sysctl host net.ipv4.conf.all.rp_filter={value}
"""


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_a_lab_that_needs_another_value_of_a_host_sysctl_is_refused(target: str, style: str,
                                                                      tmp_path: Path) -> None:
    """Lab one sets the host's rp_filter to 2; lab two, wanting 0, is refused with both labs named
    and rolls back exactly; lab three, also wanting 2, shares it, and the value before comes back
    only after the last of them."""
    one, two, three = (_scripts(SYSCTL_LAB.format(name=name, value=value), target, style, tmp_path / name)
                       for name, value in (("one", 2), ("two", 0), ("three", 2)))
    rp_filter = ["cat", "/proc/sys/net/ipv4/conf/all/rp_filter"]
    with Sandbox() as sandbox:
        assert sandbox.run(["sh", "-c", "echo 1 >/proc/sys/net/ipv4/conf/all/rp_filter"]).returncode == 0
        before = sandbox.snapshot()
        _ok(sandbox, one[0])
        state = sandbox.snapshot()
        refused = sandbox.run(["bash", str(two[0])], timeout=60)
        assert refused.returncode == 1, refused.stderr
        assert "lab 'one' set the host's net.ipv4.conf.all.rp_filter to 2" in refused.stderr, refused.stderr
        assert "this lab sets it to 0" in refused.stderr, refused.stderr
        assert sandbox.run(rp_filter).stdout.strip() == "2"
        changes = state.diff(sandbox.snapshot())
        assert not changes, "\n".join(changes)
        _ok(sandbox, three[0])
        _ok(sandbox, one[1])
        assert sandbox.run(rp_filter).stdout.strip() == "2", "one lab's teardown put the value back under the other"
        _ok(sandbox, three[1])
        assert sandbox.run(rp_filter).stdout.strip() == "1"
        changes = before.diff(sandbox.snapshot())
        assert not changes, "\n".join(changes)


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_runs_of_one_lab_take_turns(target: str, style: str, tmp_path: Path) -> None:
    setup, down = _scripts(NAT_LAB.format(name="turns", n=23), target, style, tmp_path)
    lock = "/run/nsgen/labs/turns/lock"
    with Sandbox() as sandbox:
        holder = sandbox.popen(["bash", "-c", f"mkdir -p /run/nsgen/labs/turns && exec 9>>{lock} && "
                                               "flock 9 && echo locked && sleep 5"])
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        busy = sandbox.run(["env", "NSGEN_LOCK_WAIT=1", "bash", str(setup)])
        assert busy.returncode == 1 and "busy" in busy.stderr and lock in busy.stderr, busy.stderr
        assert not sandbox.namespaces()
        holder.kill()
        holder.wait(5)
        # two runs at once: the second waits for the first, then finds the lab up
        runs = [sandbox.popen(["bash", str(setup)]) for _ in range(2)]
        for run in runs:
            assert run.wait(60) == 0, run.stderr.read() if run.stderr else ""
        assert sandbox.namespaces() == ["turnsa"]
        _ok(sandbox, down)
        assert not sandbox.namespaces()


# interrupts -------------------------------------------------------------------------------------

WRAPPER = """#!/bin/bash
# Counts the commands of the script under test; at call number $STOP_AT it sends the script
# $SIGNAL (after which the command itself still runs, as when a signal comes during it). The
# count is taken under a lock: a batch runs several commands at once.
exec 9>>"$COUNTER.lock"
flock 9
count=$(( $(cat "$COUNTER" 2>/dev/null || echo 0) + 1 ))
echo "$count" >"$COUNTER"
flock -u 9
exec 9>&-
if [ "$count" -eq "${STOP_AT:-0}" ]; then kill -"$SIGNAL" "$SCRIPT_PID"; fi
exec "$REAL" "$@"
"""


def _wrapped(tool: str, folder: Path, real: str) -> None:
    path = folder / tool
    path.write_text(WRAPPER.replace('"$REAL"', shlex.quote(real)), encoding="utf-8")
    path.chmod(0o755)


RUNS: dict[int, str] = {}
"""What the last counted run showed, for assertion messages: its stderr's end and what the
wrappers saw (a run that exits 0 where it should not says why)."""


def _counted_run(sandbox: Sandbox, script: Path, bin_dir: Path, counter: Path, stop_at: int, signal: str) -> int:
    env = [f"PATH={bin_dir}:{os.environ.get('PATH', '/usr/sbin:/usr/bin:/sbin:/bin')}", f"COUNTER={counter}",
           f"STOP_AT={stop_at}", f"SIGNAL={signal}"]
    launcher = f"export SCRIPT_PID=$$; exec bash {shlex.quote(str(script))}"
    run = sandbox.run(["env", *env, "bash", "-c", launcher], timeout=60)
    seen = sandbox.run(["bash", "-c", f"ls -l {shlex.quote(str(bin_dir))}; cat {shlex.quote(str(counter))}; "
                        "command -v ip"], timeout=30)
    RUNS[0] = (f"exit {run.returncode}; stderr ends: {run.stderr[-600:]!r}; in the sandbox: "
               f"{seen.stdout.strip()!r} {seen.stderr.strip()!r}")
    return run.returncode


@pytest.mark.parametrize("style", GUARDED_STYLES)
@pytest.mark.parametrize("example", ["seed", "pods"])
def test_an_interrupt_after_any_command_leaves_a_host_teardown_restores(example: str, style: str, target: str,
                                                                        tmp_path: Path) -> None:
    """INT (and TERM, every third stop) after each `ip` and firewall command of setup in turn."""
    text = (ROOT / "examples" / f"{example}.ns").read_text(encoding="utf-8")
    setup, down = _scripts(text, target, style, tmp_path / "scripts")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("ip", "iptables", "iptables-restore", "nft"):
        for folder in ("/usr/sbin", "/sbin", "/usr/bin", "/bin"):
            if os.access(f"{folder}/{tool}", os.X_OK):
                _wrapped(tool, bin_dir, f"{folder}/{tool}")
                break
    counter = tmp_path / "count"
    with Sandbox(uplink=True) as sandbox:
        before = sandbox.snapshot()
        assert _counted_run(sandbox, setup, bin_dir, counter, 0, "INT") == 0
        total = int(counter.read_text())
        _ok(sandbox, down)
        assert not before.diff(sandbox.snapshot())
    assert 5 <= total <= 200, total
    for stop_at in range(1, total + 1):
        signal = "TERM" if stop_at % 3 == 0 else "INT"
        with Sandbox(uplink=True) as sandbox:
            before = sandbox.snapshot()
            counter.unlink(missing_ok=True)
            code = _counted_run(sandbox, setup, bin_dir, counter, stop_at, signal)
            assert code != 0 or stop_at >= total - 1, f"setup interrupted at command {stop_at} exited 0: {RUNS[0]}"
            _ok(sandbox, down)
            changes = before.diff(sandbox.snapshot())
            assert not changes, f"after {signal} at command {stop_at} of {total}, teardown left:\n" + "\n".join(changes)
            _ok(sandbox, setup)
            _ok(sandbox, down)


# convergence ------------------------------------------------------------------------------------

EDITED_BEFORE = """\
lab edited
ns red
ns blue
bridge br0 ip 10.30.0.1/24
veth red<->br0 ip 10.30.0.2/24
veth blue<->br0 ip 10.30.0.3/24
route blue default via 10.30.0.1
route red 10.99.0.0/24 via 10.30.0.1
nat masquerade 10.30.0.0/24
"""

EDITED_AFTER = """\
lab edited
ns red
ns green
bridge br0 ip 10.30.0.1/24
veth red<->br0 ip 10.30.0.2/24
veth green<->br0 ip 10.30.0.4/24
"""


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_setup_of_an_edited_lab_removes_what_the_lab_no_longer_has(target: str, style: str, tmp_path: Path) -> None:
    """blue, its veth and routes, the NAT rule and forwarding are gone from the lab file: setup of
    the edited lab removes them (and says so), leaving what a fresh setup of it leaves (its
    rules, the bridge's accepts, are loaded whole, replacing the old ones)."""
    before = _scripts(EDITED_BEFORE, target, style, tmp_path / "before")
    after = _scripts(EDITED_AFTER, target, style, tmp_path / "after")
    with Sandbox() as sandbox:
        _ok(sandbox, after[0])
        fresh = sandbox.snapshot()
    with Sandbox() as sandbox:
        empty = sandbox.snapshot()
        _ok(sandbox, before[0])
        said = _ok(sandbox, after[0])
        for gone in ("netns blue", "link - veth-blue-br", "sysctl net.ipv4.ip_forward"):
            assert f"no longer has {gone}" in said, said
        assert "no longer has route red 10.99.0.0/24 via 10.30.0.1 metric 0" in said, said
        changes = fresh.diff(sandbox.snapshot())
        assert not changes, "the edited lab differs from a fresh setup of it:\n" + "\n".join(changes)
        assert "no longer" not in _ok(sandbox, after[0]), "a second setup of the edited lab removed more"
        _ok(sandbox, after[1])
        assert not empty.diff(sandbox.snapshot())


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_teardown_from_an_edited_lab_file_removes_what_the_old_setup_made(target: str, style: str,
                                                                       tmp_path: Path) -> None:
    """The lab file was edited after setup and then torn down, with no setup in between: teardown
    removes what the earlier setup made and the file no longer has (blue, its veth, the NAT rule,
    the forwarding change), and says so, not only what the file has; the host is as before."""
    before = _scripts(EDITED_BEFORE, target, style, tmp_path / "before")
    after = _scripts(EDITED_AFTER, target, style, tmp_path / "after")
    with Sandbox() as sandbox:
        empty = sandbox.snapshot()
        _ok(sandbox, before[0])
        said = _ok(sandbox, after[1])
        for gone in ("netns blue", "link - veth-blue-br", "sysctl net.ipv4.ip_forward"):
            assert f"no longer has {gone}" in said, said
        changes = empty.diff(sandbox.snapshot())
        assert not changes, "teardown of the edited lab left:\n" + "\n".join(changes)
        assert "no longer" not in _ok(sandbox, after[1]), "a second teardown removed more"


def _plan(text: str, target: str, folder: Path) -> Path:
    result = compile_source(text, "lab.ns", target)
    assert result.plan is not None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "plan.sh"
    path.write_text(render(result.plan, target, "plan"), encoding="utf-8")
    return path


def _lines(sandbox: Sandbox, plan: Path) -> dict[str, str]:
    run = sandbox.run(["bash", str(plan)])
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[-1].startswith("Plan for lab edited: "), run.stdout
    return {line[2:50].rstrip(): line[0] for line in lines[:-1]}


def test_plan_says_what_setup_would_add_change_and_remove(target: str, tmp_path: Path) -> None:
    """`nsgen plan` (the plan script): read-only, and right before and after setup and an edit."""
    setup = _scripts(EDITED_BEFORE, target, "default", tmp_path / "before")[0]
    before, after = _plan(EDITED_BEFORE, target, tmp_path / "p1"), _plan(EDITED_AFTER, target, tmp_path / "p2")
    with Sandbox() as sandbox:
        assert sandbox.run(["ip", "netns", "add", "green"]).returncode == 0
        empty = sandbox.snapshot()
        first = _lines(sandbox, before)
        assert set(first.values()) == {"+", "~"}, first
        assert first["netns blue"] == "+" and first["sysctl net.ipv4.ip_forward"] == "~"
        assert not empty.diff(sandbox.snapshot()), "the plan changed the host"
        _ok(sandbox, setup)
        again = _lines(sandbox, before)
        assert set(again.values()) == {"="}, again
        edited = _lines(sandbox, after)
        assert edited["netns blue"] == "-" and edited["link - veth-blue-br"] == "-", edited
        assert edited["sysctl net.ipv4.ip_forward"] == "-", edited
        assert edited["netns green"] == "=" and edited["link - veth-green-br"] == "+", edited
        assert edited["netns red"] == "=", edited


def test_plan_tells_a_bridge_that_was_there_from_a_link_that_is_no_bridge(target: str, tmp_path: Path) -> None:
    """A declared bridge whose name the host already uses: `=` for a bridge (setup uses it), `!` for
    a veth of that name (setup stops there)."""
    text = "lab edited\nns red\nbridge br0 ip 10.3.0.1/24\nveth red<->br0 ip 10.3.0.2/24\n"
    plan = _plan(text, target, tmp_path / "p")
    with Sandbox() as sandbox:
        assert sandbox.run(["ip", "link", "add", "br0", "type", "bridge"]).returncode == 0
        assert _lines(sandbox, plan)["link - br0"] == "="
        assert sandbox.run(["ip", "link", "del", "br0"]).returncode == 0
        assert sandbox.run(["ip", "link", "add", "br0", "type", "veth", "peer", "name", "other"]).returncode == 0
        assert _lines(sandbox, plan)["link - br0"] == "!"
        setup = _scripts(text, target, "default", tmp_path / "s")[0]
        assert sandbox.run(["bash", str(setup)], timeout=60).returncode != 0


ROUTES_IN_RED = """\
lab routes
ns red
route red 10.9.0.0/24 dev lo
route red 10.8.0.0/24 dev lo
"""


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_a_failed_setup_takes_back_its_routes_in_a_namespace_that_was_there(target: str, style: str,
                                                                            tmp_path: Path) -> None:
    """red was there, with a blackhole route where the lab's second route goes: setup fails at that
    line, and its rollback removes the first route it added in red (red itself stays)."""
    setup, _down = _scripts(ROUTES_IN_RED, target, style, tmp_path)
    with Sandbox() as sandbox:
        for command in (["ip", "netns", "add", "red"], ["ip", "-n", "red", "link", "set", "lo", "up"],
                        ["ip", "-n", "red", "route", "add", "blackhole", "10.8.0.0/24"]):
            assert sandbox.run(command).returncode == 0
        before = sandbox.snapshot()
        run = sandbox.run(["bash", str(setup)], timeout=60)
        assert run.returncode != 0 and "lab.ns:4" in run.stderr, run.stderr
        changes = before.diff(sandbox.snapshot())
        assert not changes, "\n".join(changes)


def test_nsgen_plan_runs_the_plan_and_prints_it_with_script(tmp_path: Path) -> None:
    lab = tmp_path / "edited.ns"
    lab.write_text(EDITED_AFTER, encoding="utf-8")
    cli = [sys.executable, "-m", "nsgen.cli", "plan"]
    with Sandbox() as sandbox:
        run = sandbox.run([*cli, str(lab)])
        assert run.returncode == 0, run.stderr
        assert "+ netns green" in run.stdout and run.stdout.endswith("0 in the way.\n"), run.stdout
        printed = sandbox.run([*cli, "--script", "-t", "nft", str(lab)])
        assert printed.returncode == 0
        assert printed.stdout.startswith("#!/usr/bin/env bash\n# Plan of nsgen lab 'edited'")
        assert "nft list table" in printed.stdout


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_a_bridge_that_was_there_gets_its_mtu_state_and_addresses_back(target: str, style: str,
                                                                        tmp_path: Path) -> None:
    """A bridge a VM host or Docker uses: setup raises it, sets the lab's MTU and adds the lab's
    address; teardown leaves the bridge (and its own address) and puts back what it changed."""
    lab = "ns red\nbridge br0 ip 10.40.0.1/24 mtu 1400\nveth red<->br0 ip 10.40.0.2/24\n"
    setup, down = _scripts(lab, target, style, tmp_path)
    with Sandbox() as sandbox:
        for command in (["ip", "link", "add", "br0", "mtu", "1500", "type", "bridge"],
                        ["ip", "addr", "add", "10.40.0.9/24", "dev", "br0"]):
            assert sandbox.run(command).returncode == 0
        before = sandbox.snapshot()
        _ok(sandbox, setup)
        shown = sandbox.run(["ip", "-o", "addr", "show", "dev", "br0"]).stdout
        assert "10.40.0.1/24" in shown and "10.40.0.9/24" in shown, shown
        assert "mtu 1400" in sandbox.run(["ip", "link", "show", "dev", "br0"]).stdout
        _ok(sandbox, setup)
        _ok(sandbox, down)
        changes = before.diff(sandbox.snapshot())
        assert not changes, "teardown did not put the bridge back:\n" + "\n".join(changes)


def _shown(sandbox: Sandbox, name: str) -> list[str]:
    """An interface's `ip -o link` and `ip -o addr` lines."""
    return [sandbox.run(["ip", "-o", what, "show", "dev", name]).stdout for what in ("link", "addr")]


def test_plain_setup_stops_at_a_bridge_that_was_there(target: str, tmp_path: Path) -> None:
    """The plain style has no checks: `ip link add br0 type bridge` stops it (File exists), before
    it changes the bridge's MTU, state or addresses."""
    lab = "ns red\nbridge br0 ip 10.40.0.1/24 mtu 1400\nveth red<->br0 ip 10.40.0.2/24\n"
    setup, _down = _scripts(lab, target, "plain", tmp_path)
    with Sandbox() as sandbox:
        for command in (["ip", "link", "add", "br0", "mtu", "1500", "type", "bridge"],
                        ["ip", "addr", "add", "10.40.0.9/24", "dev", "br0"]):
            assert sandbox.run(command).returncode == 0
        bridge = _shown(sandbox, "br0")
        run = sandbox.run(["bash", str(setup)], timeout=60)
        assert run.returncode != 0 and "File exists" in run.stderr, run.stderr
        assert _shown(sandbox, "br0") == bridge


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_a_sysctl_set_in_a_namespace_that_was_there_is_put_back(target: str, style: str, tmp_path: Path) -> None:
    setup, down = _scripts("ns r1\nns r2\nrouter r1\nrouter r2\n", target, style, tmp_path)
    forwarding = ["ip", "netns", "exec", "r1", "cat", "/proc/sys/net/ipv4/ip_forward"]
    with Sandbox() as sandbox:
        assert sandbox.run(["ip", "netns", "add", "r1"]).returncode == 0
        before = sandbox.snapshot()
        _ok(sandbox, setup)
        assert sandbox.run(forwarding).stdout.strip() == "1"
        _ok(sandbox, setup)
        _ok(sandbox, down)
        assert sandbox.run(forwarding).stdout.strip() == "0", "teardown left r1 forwarding"
        assert not before.diff(sandbox.snapshot())


KILLED_NETNS_ADD = """#!/bin/bash
# `ip netns add NAME` killed half-way by a Ctrl-C (which reaches ip as well as the script): the
# file /run/netns/NAME is made, the namespace never mounted on it.
if [ "$1 $2" = "netns add" ] && [ ! -e "$COUNTER" ]; then
  : >"$COUNTER"
  : >"/run/netns/$3"
  kill -INT "$SCRIPT_PID"
  kill -INT $$
fi
exec "$REAL" "$@"
"""


def test_a_ctrl_c_that_kills_ip_netns_add_leaves_no_namespace_file(target: str, tmp_path: Path) -> None:
    """(Default style: one `ip netns add` per namespace. The batch style makes namespaces in one
    `ip -batch`, on the undo list before it runs, so its rollback deletes such a file anyway.)"""
    setup, down = _scripts("ns red\nns blue\n", target, "default", tmp_path / "scripts")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    real = next(f"{d}/ip" for d in ("/usr/sbin", "/sbin", "/usr/bin", "/bin") if os.access(f"{d}/ip", os.X_OK))
    (bin_dir / "ip").write_text(KILLED_NETNS_ADD.replace('"$REAL"', shlex.quote(real)), encoding="utf-8")
    (bin_dir / "ip").chmod(0o755)
    with Sandbox() as sandbox:
        sandbox.run(["mkdir", "-p", "/run/netns"])
        before = sandbox.snapshot()
        code = _counted_run(sandbox, setup, bin_dir, tmp_path / "once", 0, "INT")
        assert code != 0, RUNS[0]
        changes = before.diff(sandbox.snapshot())
        assert not changes, "the interrupted setup left:\n" + "\n".join(changes)
        _ok(sandbox, setup)
        _ok(sandbox, down)
        assert not before.diff(sandbox.snapshot())
