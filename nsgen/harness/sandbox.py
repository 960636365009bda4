"""A throwaway kernel sandbox: a fresh network and mount namespace that labs build in and die with.

The sandbox is a small holder process started with `unshare --net --mount --fork`. Before it
reports ready it makes mount propagation private, puts a tmpfs over `/run` (so `ip netns add`
files live and die with it) and raises loopback; optionally it gives the sandbox root an uplink
the way the tutorial's host has one. Every command then runs inside it with
`nsenter --target PID --net --mount`; nothing here ever runs a network command on the real host.
"""

from __future__ import annotations

import functools
import os
import select
import shutil
import subprocess
import time
from collections.abc import Sequence
from types import TracebackType

from nsgen.harness.snapshot import State, capture, links_waiting

HOST = "host"
"""The name expectations use for the sandbox root namespace (the lab's host)."""

OUTSIDE = "outside"
"""The namespace standing for the tutorial's LAN, reached through the host's `eth0`."""

UPLINK_INTERFACE = "eth0"
HOST_UPLINK_ADDRESS = "192.168.1.2/24"
OUTSIDE_ADDRESS = "192.168.1.3/24"

# Constant shell text, no values assembled in: the recipe from docs/testing.md, in this order.
# `set -e` stops before anything else runs if any step of the isolation fails.
_PREPARE = """set -e
mount --make-rprivate /
mount -t tmpfs tmpfs /run
mkdir -p /run/netns
ip link set lo up
"""
_UPLINK = """ip netns add outside
ip link add eth0 type veth peer name eth0 netns outside
ip addr add 192.168.1.2/24 dev eth0
ip link set eth0 up
ip -n outside link set lo up
ip -n outside addr add 192.168.1.3/24 dev eth0
ip -n outside link set eth0 up
"""
# The holder ends when its stdin closes: when the Sandbox closes it, or when Python dies.
_HOLD = """echo "ready $$"
exec cat >/dev/null
"""

_START_TIMEOUT = 10.0
_REQUIRED_TOOLS = ("unshare", "nsenter", "ip", "mount")


class SandboxError(RuntimeError):
    """The sandbox could not be started, or is gone."""


@functools.cache
def unavailable_reason() -> str | None:
    """Why a sandbox cannot be made here (not root, tools missing, unshare refused), or None."""
    if os.geteuid() != 0:
        return "the kernel sandbox needs root (run as root, e.g. with sudo)"
    missing = [tool for tool in _REQUIRED_TOOLS if shutil.which(tool) is None]
    if missing:
        return f"the kernel sandbox needs {', '.join(missing)} (apt-get install util-linux iproute2)"
    probe = subprocess.run(
        ["unshare", "--net", "--mount", "--fork", "--", "true"],
        capture_output=True,
        text=True,
        timeout=_START_TIMEOUT,
        check=False,
    )
    if probe.returncode != 0:
        return f"unshare --net --mount failed here: {probe.stderr.strip()}"
    return None


def _netns_id(pid: int) -> str:
    """The network namespace of a process, as the kernel names it (`net:[4026...]`)."""
    return os.readlink(f"/proc/{pid}/ns/net")


class Sandbox:
    """A fresh network + mount namespace; use as a context manager, run commands with `run`."""

    def __init__(self, uplink: bool = False) -> None:
        """Prepare (not start) a sandbox; `uplink` adds `eth0` 192.168.1.2/24 and `outside`."""
        self.uplink = uplink
        self._holder: subprocess.Popen[str] | None = None
        self._pid = 0
        self._netns = ""
        self._children: list[subprocess.Popen[str]] = []

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Start the holder and wait (bounded) until it has isolated itself and reports ready."""
        reason = unavailable_reason()
        if reason:
            raise SandboxError(reason)
        script = _PREPARE + (_UPLINK if self.uplink else "") + _HOLD
        self._holder = subprocess.Popen(
            ["unshare", "--net", "--mount", "--fork", "--kill-child", "--", "bash", "-c", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = read_line(self._holder, _START_TIMEOUT)
        if not line.startswith("ready "):
            self.close()
            raise SandboxError(f"sandbox did not start: {line.strip() or 'no answer'}")
        self._pid = int(line.split()[1])
        self._netns = _netns_id(self._pid)
        if self._netns == _netns_id(os.getpid()):
            self.close()
            raise SandboxError("sandbox holder shares this process's network namespace")

    @property
    def pid(self) -> int:
        """The holder's PID (the process whose namespaces commands enter)."""
        return self._pid

    def _check_alive(self) -> None:
        """Refuse to run anything unless the holder is still there, in its own namespace."""
        if self._holder is None or self._holder.poll() is not None:
            raise SandboxError("the sandbox is not running")
        try:
            same = _netns_id(self._pid) == self._netns
        except OSError:
            same = False
        if not same:
            raise SandboxError("the sandbox holder is gone")

    def argv(self, command: Sequence[str], netns: str | None = None) -> list[str]:
        """The full argv that runs `command` in the sandbox root, or in its namespace `netns`."""
        self._check_alive()
        enter = ["nsenter", f"--target={self._pid}", "--net", "--mount", "--"]
        if netns in (None, HOST):
            return [*enter, *command]
        return [*enter, "nsenter", f"--net=/run/netns/{netns}", "--", *command]

    def run(
        self,
        command: Sequence[str],
        netns: str | None = None,
        timeout: float = 30.0,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command to completion inside the sandbox; a timeout counts as exit 124."""
        argv = self.argv(command, netns)
        try:
            return subprocess.run(argv, input=input, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as expired:
            return subprocess.CompletedProcess(
                argv, 124, _text(expired.stdout), _text(expired.stderr) + f"\ntimed out after {timeout} s"
            )

    def popen(self, command: Sequence[str], netns: str | None = None) -> subprocess.Popen[str]:
        """Start a background process in the sandbox; `close` ends it (by its PID) if still running."""
        process = subprocess.Popen(
            self.argv(command, netns),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._children.append(process)
        return process

    def snapshot(self) -> State:
        """The sandbox's normalised network state (see `nsgen.harness.snapshot`)."""
        return capture(self)

    def namespaces(self) -> list[str]:
        """Names of the namespaces in the sandbox (`ip netns list`), sorted."""
        listing = self.run(["ip", "netns", "list"]).stdout
        return sorted(line.split()[0] for line in listing.splitlines() if line.strip())

    def close(self) -> None:
        """End our background processes, then let the holder go; the namespaces die with it."""
        for child in self._children:
            stop(child)
        self._children.clear()
        holder, self._holder = self._holder, None
        if holder is None:
            return
        if holder.stdin:
            holder.stdin.close()
        try:
            holder.wait(timeout=5)
        except subprocess.TimeoutExpired:
            holder.kill()  # unshare --kill-child takes the holder with it
            holder.wait(timeout=5)
        for stream in (holder.stdout, holder.stderr):
            if stream:
                stream.close()


def stop(process: subprocess.Popen[str], grace: float = 2.0) -> None:
    """End one process we started, by its PID: SIGTERM, then SIGKILL after `grace` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=grace)


def read_line(process: subprocess.Popen[str], timeout: float) -> str:
    """One line of a process's stdout, or what it said on stderr if it ended or timed out first."""
    assert process.stdout is not None and process.stderr is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    line = process.stdout.readline() if ready else ""
    if line:
        return line
    if process.poll() is None:
        return f"no answer within {timeout} s"
    return process.stderr.read()


def _text(output: bytes | str | None) -> str:
    """Captured output as text, whatever subprocess handed back."""
    if output is None:
        return ""
    return output.decode(errors="replace") if isinstance(output, bytes) else output


def wait_links_up(sandbox: Sandbox, timeout: float = 3.0, interval: float = 0.05) -> bool:
    """Poll until every link that is set up also has carrier (or `timeout`); True when all are."""
    deadline = time.monotonic() + timeout
    while True:
        if not links_waiting(sandbox):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
