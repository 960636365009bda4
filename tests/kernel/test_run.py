"""`run`: a process setup starts in a namespace, proven on the kernel in both targets and every style.

`golden/services` passes `nsgen test` (tests/kernel/test_labs.py: setup twice, exact teardown,
the record folder included). These tests look at the process itself: it serves from its namespace,
a second setup leaves it running, teardown stops it, a pid that is no longer its process is left
alone, and a process that exits at once fails the setup, which rolls back.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nsgen.compiler.styles import GUARDED_STYLES, STYLES
from nsgen.harness.sandbox import Sandbox
from tests.scriptcheck import write_scripts

pytestmark = pytest.mark.sandbox

LAB = """\
lab svc
ns red
ns blue
veth red<->blue ip 10.0.0.1/24, 10.0.0.2/24
run red python3 -m http.server 8000 --bind 10.0.0.1
"""
RUN_DIR = "/run/nsgen/labs/svc/run"
FETCH = ["python3", "-c", "import urllib.request as u; print(u.urlopen('http://10.0.0.1:8000/', timeout=2).status)"]


def _ok(sandbox: Sandbox, command: list[str], netns: str | None = None) -> str:
    run = sandbox.run(command, netns=netns, timeout=60)
    assert run.returncode == 0, f"{' '.join(command)}: {run.stderr}"
    return run.stdout


def _pidfile(sandbox: Sandbox) -> tuple[int, str]:
    listing = _ok(sandbox, ["ls", RUN_DIR]).split()
    pidfiles = [name for name in listing if name.endswith(".pid")]
    assert len(pidfiles) == 1, listing
    pid, start = _ok(sandbox, ["cat", f"{RUN_DIR}/{pidfiles[0]}"]).split()
    return int(pid), start


def _alive(sandbox: Sandbox, pid: int) -> bool:
    """The process is there and not a zombie."""
    run = sandbox.run(["cat", f"/proc/{pid}/stat"])
    return run.returncode == 0 and run.stdout.rsplit(") ", 1)[1].split()[0] != "Z"


def _served(sandbox: Sandbox) -> bool:
    """blue gets an HTTP 200 from red's server (polled: it needs a moment to listen), at most 5 s."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if sandbox.run(FETCH, netns="blue", timeout=10).stdout.strip() == "200":
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("style", STYLES)
def test_process_runs_in_its_namespace_and_stops(target: str, style: str, tmp_path: Path) -> None:
    setup, down = write_scripts(LAB, "svc.ns", style, tmp_path, target)
    with Sandbox() as sandbox:
        _ok(sandbox, ["bash", str(setup)])
        pid, _start = _pidfile(sandbox)
        assert _alive(sandbox, pid)
        assert "http.server" in _ok(sandbox, ["cat", f"/proc/{pid}/cmdline"])
        netns_of = _ok(sandbox, ["readlink", f"/proc/{pid}/ns/net"]).strip()
        assert netns_of == _ok(sandbox, ["readlink", "/proc/self/ns/net"], "red").strip()
        assert _served(sandbox)
        if style in GUARDED_STYLES:
            _ok(sandbox, ["bash", str(setup)])  # a second setup leaves the running process alone
            assert _pidfile(sandbox)[0] == pid and _alive(sandbox, pid)
        _ok(sandbox, ["bash", str(down)])
        assert not _alive(sandbox, pid)
        assert sandbox.namespaces() == []
        assert sandbox.run(["ls", RUN_DIR]).returncode != 0  # pid file and log gone with the record


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_teardown_leaves_a_pid_that_is_another_process(target: str, style: str, tmp_path: Path) -> None:
    """The server died and its pid now names another process (here: its pid file points at one the
    test started): teardown checks the start time and leaves that process alone."""
    setup, down = write_scripts(LAB, "svc.ns", style, tmp_path, target)
    with Sandbox() as sandbox:
        _ok(sandbox, ["bash", str(setup)])
        pid, start = _pidfile(sandbox)
        other = sandbox.popen(["sleep", "300"])
        time.sleep(0.2)
        other_pid = int(_ok(sandbox, ["pgrep", "-x", "-n", "sleep"]).strip())
        name = next(n for n in _ok(sandbox, ["ls", RUN_DIR]).split() if n.endswith(".pid"))
        _ok(sandbox, ["sh", "-c", f"echo {other_pid} {start} > {RUN_DIR}/{name}"])  # its pid, the server's start time
        _ok(sandbox, ["kill", str(pid)])
        _ok(sandbox, ["bash", str(down)])
        assert _alive(sandbox, other_pid), "teardown killed a process that was not the lab's"
        assert other.poll() is None
        assert sandbox.namespaces() == []


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_a_process_that_exits_at_once_fails_setup(target: str, style: str, tmp_path: Path) -> None:
    """`run red sh -c 'echo no such thing; exit 3'`: setup fails naming it and showing its output,
    and the rollback removes the lab."""
    lab = LAB.replace("run red python3 -m http.server 8000 --bind 10.0.0.1",
                      "run red sh -c 'echo no such thing; exit 3'")
    setup, _down = write_scripts(lab, "svc.ns", style, tmp_path, target)
    with Sandbox() as sandbox:
        run = sandbox.run(["bash", str(setup)], timeout=60)
        assert run.returncode != 0, run.stderr
        assert "exited at once" in run.stderr and "no such thing" in run.stderr, run.stderr
        assert "undoing what this run created" in run.stderr
        assert sandbox.namespaces() == []
        assert sandbox.run(["ls", "/run/nsgen/labs/svc"]).returncode != 0


SERVICES = (Path(__file__).resolve().parents[2] / "examples" / "services.ns").read_text(encoding="utf-8")


def _status(sandbox: Sandbox, url: str, netns: str | None) -> str:
    """The HTTP status a GET of `url` gets from `netns` (the host: None), or the error's name."""
    code = (f"import urllib.request as u\ntry: print(u.urlopen({url!r}, timeout=2).status)\n"
            "except Exception as e: print(type(e).__name__)")
    return sandbox.run(["python3", "-c", code], netns=netns, timeout=20).stdout.strip()


def _polled(sandbox: Sandbox, url: str, netns: str | None, want: str) -> str:
    """The status, polled until it is `want` (the server needs a moment to listen), at most 5 s."""
    deadline = time.monotonic() + 5
    status = _status(sandbox, url, netns)
    while status != want and time.monotonic() < deadline:
        time.sleep(0.2)
        status = _status(sandbox, url, netns)
    return status


@pytest.mark.parametrize("style", STYLES)
def test_services_example_server_through_the_forward(target: str, style: str, tmp_path: Path) -> None:
    """examples/services.ns: web's `run` server answers through the host's port 8080 from the LAN
    (`outside`) and from the host itself (allowed), and api, which web's isolation does not allow, gets
    nothing straight from it; teardown stops the server."""
    setup, down = write_scripts(SERVICES, "services.ns", style, tmp_path, target)
    with Sandbox(uplink=True) as sandbox:
        _ok(sandbox, ["bash", str(setup)])
        assert _polled(sandbox, "http://192.168.1.2:8080/", "outside", "200") == "200"
        assert _polled(sandbox, "http://10.88.0.1:8080/", None, "200") == "200"
        assert _status(sandbox, "http://10.88.0.2:8000/", "api") != "200"
        _ok(sandbox, ["bash", str(down)])
        assert _status(sandbox, "http://192.168.1.2:8080/", "outside") != "200"
        assert sandbox.namespaces() == ["outside"]  # the sandbox's own stand-in for the LAN


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_edited_lab_without_the_run_line_stops_it(target: str, style: str, tmp_path: Path) -> None:
    """The lab file loses its `run` line: the next setup stops the process, says so, and forgets it."""
    setup, _down = write_scripts(LAB, "svc.ns", style, tmp_path / "a", target, identity="/labs/svc.ns")
    edited = "\n".join(line for line in LAB.splitlines() if not line.startswith("run ")) + "\n"
    setup2, down2 = write_scripts(edited, "svc.ns", style, tmp_path / "b", target, identity="/labs/svc.ns")
    with Sandbox() as sandbox:
        _ok(sandbox, ["bash", str(setup)])
        pid, _start = _pidfile(sandbox)
        run = sandbox.run(["bash", str(setup2)], timeout=60)
        assert run.returncode == 0, run.stderr
        assert "no longer has run red red-" in run.stderr, run.stderr
        assert not _alive(sandbox, pid)
        assert sandbox.run(["ls", RUN_DIR]).returncode != 0
        _ok(sandbox, ["bash", str(down2)])
        assert sandbox.namespaces() == []
