"""A throwaway kernel sandbox: fresh network, mount and pid namespaces that labs build in and die with.

The sandbox is a small holder process started with
`unshare --net --mount --pid --fork --mount-proc --kill-child`. Before it reports ready it checks
that it is not in this process's network namespace, makes mount propagation private, makes
`/proc/sys` read-only except `/proc/sys/net` (which shows the network namespace of whoever reads
it), puts a tmpfs over `/run` (so `ip netns add` files live and die with it) and raises loopback;
optionally it gives the sandbox root an uplink the way the tutorial's host has one, and a private
`/tmp` and `HOME` for tools that clean up by broad name (Mininet). Every command then runs inside
it with `nsenter --target PID --net --mount --pid`; nothing here ever runs a network command on
the real host. The holder is the sandbox's PID 1: when it ends, every process left in the
sandbox ends with it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import select
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType

from nsgen.harness.snapshot import State, capture, links_waiting

HOST = "host"
"""The name expectations use for the sandbox root namespace (the lab's host)."""

OUTSIDE = "outside"
"""The namespace standing for the tutorial's LAN, reached through the host's `eth0`."""

UPLINK_INTERFACE = "eth0"
HOST_UPLINK_ADDRESS = "192.168.1.2/24"
OUTSIDE_ADDRESS = "192.168.1.3/24"
HOST_UPLINK_ADDRESS6 = "fd00:1::2/64"
OUTSIDE_ADDRESS6 = "fd00:1::3/64"
"""The uplink carries IPv6 too (added with `nodad`: usable at once)."""

PRIVATE_HOME = "/tmp/home"
"""`HOME` of commands in a sandbox with a private `/tmp` and `HOME`."""

TIMED_OUT = 124
"""The exit status `Sandbox.run` reports for a command it ended at its time limit."""

# Constant shell text, no values assembled in: the recipe from docs/testing.md, in this order.
# `$1` is this process's network namespace (`net:[...]`): the holder refuses to go on in it.
# `set -e` stops before anything else runs if any step of the isolation fails.
_PREPARE = """set -e
if [ "$(readlink /proc/self/ns/net)" = "$1" ]; then
  echo "the sandbox shares the host's network namespace; stopped before any command" >&2
  exit 97
fi
mount --make-rprivate /
mount --bind /proc/sys /proc/sys
mount -o remount,bind,ro /proc/sys
mount --bind /proc/sys/net /proc/sys/net
mount -o remount,bind,rw /proc/sys/net
mount -t tmpfs tmpfs /run
mkdir -p /run/netns
ip link set lo up
"""
_UPLINK = """ip netns add outside
ip link add eth0 type veth peer name eth0 netns outside
ip addr add 192.168.1.2/24 dev eth0
ip addr add fd00:1::2/64 dev eth0 nodad
ip link set eth0 up
ip -n outside link set lo up
ip -n outside addr add 192.168.1.3/24 dev eth0
ip -n outside addr add fd00:1::3/64 dev eth0 nodad
ip -n outside link set eth0 up
# The kernel adds the IPv6 addresses' local routes once it has seen the link's carrier (linkwatch,
# up to a second later on a busy machine): wait for them (at most 5 s), so that a snapshot taken
# now is the one teardown must restore, not an earlier moment of it.
for _ in $(seq 50); do
  ip -6 route show table local | grep -q 'fd00:1::2 ' \
    && ip -n outside -6 route show table local | grep -q 'fd00:1::3 ' && break
  sleep 0.1
done
"""
# A Docker-like host (`docker`): Docker sets the FORWARD policy to DROP when it turns on forwarding.
# With iptables-nft that is nft's `table ip filter`, chain FORWARD, policy drop.
_DOCKER_FORWARD_DROP = """iptables -P FORWARD DROP
"""
# A native nftables firewall (`nft-drop`): a forward hook of its own table with a drop policy.
_NFT_FORWARD_DROP = """nft -f - <<'RULES'
table inet docker_like {
	chain forward {
		type filter hook forward priority filter; policy drop;
	}
}
RULES
"""
# br_netfilter is per network namespace: set here, inside the sandbox, never on the host. A host
# without the module has no such files (bridged frames never cross the IP hooks there): `on` is
# refused, `off` is what that host does anyway.
_BR_NETFILTER = {
    True: """if [ ! -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; then
  echo "br_netfilter is not loaded on this host (modprobe br_netfilter), so the sandbox cannot turn it on" >&2
  exit 96
fi
echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
echo 1 >/proc/sys/net/bridge/bridge-nf-call-ip6tables
""",
    False: """if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; then
  echo 0 >/proc/sys/net/bridge/bridge-nf-call-iptables
  echo 0 >/proc/sys/net/bridge/bridge-nf-call-ip6tables
fi
""",
}
HOST_FIREWALLS = {"open": "", "docker": _DOCKER_FORWARD_DROP, "nft-drop": _NFT_FORWARD_DROP}
"""What the sandbox root's firewall holds before a lab is built: nothing (`open`), Docker's
`iptables -P FORWARD DROP` (`docker`), or a native nftables table whose forward hook drops (`nft-drop`)."""

# A private Open vSwitch (`ovs`): its own database and run folder under the sandbox's /run (a tmpfs,
# so nothing reaches a host's own OVS), both daemons detached with pid files; `_OVS_STOP` ends them
# by those pid files. Constant text, like the rest.
OVS_RUN = "/run/openvswitch"
OVS_TOOLS = ("ovsdb-tool", "ovsdb-server", "ovs-vsctl", "ovs-vswitchd")
"""The Open vSwitch commands a sandbox with `ovs` starts its daemons with."""
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
_OVS_START = """mkdir -p /run/openvswitch
ovsdb-tool create /run/openvswitch/conf.db /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server /run/openvswitch/conf.db --remote=punix:/run/openvswitch/db.sock \
  --pidfile=/run/openvswitch/ovsdb-server.pid --log-file=/run/openvswitch/ovsdb-server.log --detach
ovs-vsctl --timeout=10 --no-wait init
ovs-vswitchd unix:/run/openvswitch/db.sock --pidfile=/run/openvswitch/ovs-vswitchd.pid \
  --log-file=/run/openvswitch/ovs-vswitchd.log --detach
"""
_OVS_STOP = """for daemon in ovs-vswitchd ovsdb-server; do
  pid=$(cat "/run/openvswitch/$daemon.pid" 2>/dev/null) || continue
  kill "$pid" 2>/dev/null || continue
  for ((tries = 0; tries < 100; tries++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
done
"""

_PRIVATE_TMP_HOME = """mount -t tmpfs tmpfs /tmp
mkdir -p /tmp/home
"""
# The holder ends when its stdin closes: when the Sandbox closes it, or when Python dies. It is
# the sandbox's PID 1, so it stays a shell: bash reaps the orphans the kernel hands it.
_HOLD = """echo ready
while read -r _; do :; done
"""

_START_TIMEOUT = 10.0
_REQUIRED_TOOLS = ("unshare", "nsenter", "ip", "mount")
_UNSHARE = ["unshare", "--net", "--mount", "--pid", "--fork", "--mount-proc", "--kill-child"]


class SandboxError(RuntimeError):
    """The sandbox could not be started, or is gone."""


class Completed(subprocess.CompletedProcess[str]):
    """A finished sandbox command; `timed_out` when `Sandbox.run` ended it at its time limit."""

    def __init__(self, args: list[str], returncode: int, stdout: str, stderr: str, timed_out: bool = False) -> None:
        super().__init__(args, returncode, stdout, stderr)
        self.timed_out = timed_out


@functools.cache
def unavailable_reason() -> str | None:
    """Why a sandbox cannot be made here (not root, tools missing, unshare refused), or None."""
    if os.geteuid() != 0:
        return "the kernel sandbox needs root (run as root, e.g. with sudo)"
    missing = [tool for tool in _REQUIRED_TOOLS if shutil.which(tool) is None]
    if missing:
        return f"the kernel sandbox needs {', '.join(missing)} (apt-get install util-linux iproute2)"
    probe = subprocess.run(
        [*_UNSHARE, "--", "true"], capture_output=True, text=True, timeout=_START_TIMEOUT, check=False
    )
    if probe.returncode != 0:
        return f"{' '.join(_UNSHARE)} failed here: {probe.stderr.strip()}"
    return None


def ovs_missing() -> str:
    """The Open vSwitch commands (and schema) a sandbox with `ovs` needs that this machine lacks,
    named, comma-separated; empty when all are here."""
    missing = [tool for tool in OVS_TOOLS if shutil.which(tool) is None]
    if not Path(OVS_SCHEMA).is_file():
        missing.append(OVS_SCHEMA)
    return ", ".join(missing)


# A kernel-feature probe: in a throwaway sandbox, make a veth and try a child link of each kind on
# it. `$1`... are the kinds; it prints those the kernel refuses. Constant text.
_LINK_PROBE = """ip link add probe0 type veth peer name probe1
for kind in "$@"; do
  if ! ip link add probe2 link probe0 type "$kind" >/dev/null 2>&1; then echo "$kind"; fi
  ip link del probe2 >/dev/null 2>&1 || true
done
"""
CHILD_LINK_KINDS = ("ipvlan", "macvlan")
"""The child link kinds `missing_link_kinds` can probe (each made on a veth parent)."""

# The same for tunnel kinds: each made to a documentation address (nothing is sent). Constant text.
_TUNNEL_PROBE = """for kind in "$@"; do
  if ! ip link add probe3 type "$kind" remote 192.0.2.2 local 192.0.2.1 >/dev/null 2>&1; then echo "$kind"; fi
  ip link del probe3 >/dev/null 2>&1 || true
done
"""
TUNNEL_KINDS = ("gre", "gretap", "ipip")
"""The tunnel kinds `missing_link_kinds` can probe (each made with a remote and a local address)."""


@functools.cache
def missing_link_kinds() -> frozenset[str]:
    """The kinds of CHILD_LINK_KINDS and TUNNEL_KINDS the running kernel cannot make (probed once, in
    a sandbox)."""
    with Sandbox() as sandbox:
        run = sandbox.run(["bash", "-c", _LINK_PROBE, "probe", *CHILD_LINK_KINDS], timeout=30)
        tunnels = sandbox.run(["bash", "-c", _TUNNEL_PROBE, "probe", *TUNNEL_KINDS], timeout=30)
    for probe in (run, tunnels):
        if probe.returncode != 0:
            raise SandboxError(f"the kernel-feature probe failed: {probe.stderr.strip()}")
    return frozenset(run.stdout.split() + tunnels.stdout.split())


# A kernel-feature probe: in a throwaway sandbox, make a bridge with VLAN filtering and read it back
# (`ip -d link show` names `vlan_filtering 1` only where the kernel has it). Constant text.
_VLAN_FILTERING_PROBE = """ip link add name probe0 type bridge vlan_filtering 1 >/dev/null 2>&1 || true
if ip -d link show dev probe0 2>/dev/null | grep -q ' vlan_filtering 1 '; then echo present; fi
"""


@functools.cache
def bridge_vlan_filtering_missing() -> bool:
    """True when the running kernel has no bridge VLAN filtering (probed once, in a sandbox)."""
    with Sandbox() as sandbox:
        run = sandbox.run(["bash", "-c", _VLAN_FILTERING_PROBE], timeout=30)
    if run.returncode != 0:
        raise SandboxError(f"the bridge VLAN filtering probe failed: {run.stderr.strip()}")
    return run.stdout.split() != ["present"]


def _netns_id(pid: int) -> str:
    """The network namespace of a process, as the kernel names it (`net:[4026...]`)."""
    return os.readlink(f"/proc/{pid}/ns/net")


class Sandbox:
    """Fresh network, mount and pid namespaces; use as a context manager, run commands with `run`."""

    def __init__(self, uplink: bool = False, private_tmp_home: bool = False, host_firewall: str = "open",
                 br_netfilter: bool | None = None, ovs: bool = False) -> None:
        """Prepare (not start) a sandbox.

        `uplink` adds `eth0` 192.168.1.2/24 and fd00:1::2/64, and `outside`
        (192.168.1.3/24, fd00:1::3/64); `private_tmp_home` puts a tmpfs over
        `/tmp` (hiding the real one) and runs commands with `HOME=/tmp/home`. `host_firewall` is one
        of HOST_FIREWALLS; `br_netfilter` True/False turns bridged IPv4/IPv6 frames' trip through
        the iptables/nft hooks on or off in the sandbox (None: as the kernel starts it). `ovs` starts
        a private ovsdb-server and ovs-vswitchd in it (stopped by their pid files at `close`).
        """
        if host_firewall not in HOST_FIREWALLS:
            raise ValueError(f"unknown host firewall {host_firewall!r}; known: {', '.join(HOST_FIREWALLS)}")
        self.uplink = uplink
        self.private_tmp_home = private_tmp_home
        self.host_firewall = host_firewall
        self.br_netfilter = br_netfilter
        self.ovs = ovs
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
        script = (_PREPARE + (_UPLINK if self.uplink else "") + (_PRIVATE_TMP_HOME if self.private_tmp_home else "")
                  + ("" if self.br_netfilter is None else _BR_NETFILTER[self.br_netfilter])
                  + HOST_FIREWALLS[self.host_firewall])
        self._holder = subprocess.Popen(
            [*_UNSHARE, "--", "bash", "-c", script + _HOLD, "sandbox", _netns_id(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = read_line(self._holder, _START_TIMEOUT)
        if line.strip() != "ready":
            self.close()
            raise SandboxError(f"sandbox did not start: {line.strip() or 'no answer'}")
        # `$$` in the holder is 1 (its own pid namespace); commands enter it by its pid out here.
        holder = _children(self._holder.pid)
        if len(holder) != 1:
            self.close()
            raise SandboxError("sandbox did not start: cannot find the holder's process")
        self._pid = holder[0]
        self._netns = _netns_id(self._pid)
        if self._netns == _netns_id(os.getpid()):
            self.close()
            raise SandboxError("sandbox holder shares this process's network namespace")
        if self.ovs:
            self._start_ovs()

    def _start_ovs(self) -> None:
        """Start the sandbox's own Open vSwitch daemons (see `_OVS_START`)."""
        missing = ovs_missing()
        if missing:
            self.close()
            raise SandboxError(f"Open vSwitch is not installed: {missing} missing (apt-get install openvswitch-switch)")
        started = self.run(["bash", "-c", "set -e\n" + _OVS_START], timeout=_START_TIMEOUT * 3)
        if started.returncode != 0:
            self.close()
            raise SandboxError(f"Open vSwitch did not start in the sandbox: {started.stderr.strip()}")

    @property
    def pid(self) -> int:
        """The holder's PID as this process sees it (the process whose namespaces commands enter)."""
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
        # With --pid, nsenter forks: the command runs as its child in the sandbox's pid namespace
        # (so the sandbox's own /proc describes it), and nsenter waits for it.
        enter = ["nsenter", f"--target={self._pid}", "--net", "--mount", "--pid", "--"]
        if netns in (None, HOST):
            return [*enter, *command]
        return [*enter, "nsenter", f"--net=/run/netns/{netns}", "--", *command]

    def _env(self) -> dict[str, str] | None:
        """The environment of sandbox commands: ours, with the private HOME when there is one."""
        return {**os.environ, "HOME": PRIVATE_HOME} if self.private_tmp_home else None

    def run(
        self,
        command: Sequence[str],
        netns: str | None = None,
        timeout: float = 30.0,
        input: str | None = None,
    ) -> Completed:
        """Run a command to completion inside the sandbox (stdin: `input`, or nothing).

        At `timeout` seconds the command and everything it started are ended; that counts as
        exit 124 (`TIMED_OUT`) with `timed_out` set.
        """
        argv = self.argv(command, netns)
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self._env(),
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(process)
            stdout, stderr = process.communicate()
            return Completed(argv, TIMED_OUT, stdout, stderr + f"\ntimed out after {timeout} s", timed_out=True)
        except BaseException:
            stop(process)
            raise
        return Completed(argv, process.returncode, stdout, stderr)

    def popen(self, command: Sequence[str], netns: str | None = None) -> subprocess.Popen[str]:
        """Start a background process in the sandbox; `stop` ends it, and `close` does if still running."""
        process = subprocess.Popen(
            self.argv(command, netns),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self._env(),
            start_new_session=True,
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
        """End our background processes (and the Open vSwitch daemons, by their pid files), then let
        the holder go; the namespaces die with it."""
        for child in self._children:
            stop(child)
        self._children.clear()
        if self.ovs and self._holder is not None and self._holder.poll() is None:
            # (a holder gone meanwhile took the daemons, in its pid namespace, with it)
            with contextlib.suppress(SandboxError):
                self.run(["bash", "-c", _OVS_STOP], timeout=15)
        holder, self._holder = self._holder, None
        if holder is None:
            return
        if holder.stdin:
            holder.stdin.close()
        try:
            holder.wait(timeout=5)
        except subprocess.TimeoutExpired:
            holder.kill()  # unshare --kill-child takes the holder, and so the whole sandbox, with it
            holder.wait(timeout=5)
        for stream in (holder.stdout, holder.stderr):
            if stream:
                stream.close()


def stop(process: subprocess.Popen[str], grace: float = 2.0) -> None:
    """End a process we started: SIGTERM, then SIGKILL after `grace` seconds.

    A process that leads a process group of its own (sandbox commands do) is ended with what it
    started: the rest of its group is signalled first, by pid, so an `nsenter` waiting for its
    command reaps it and exits by itself; the leader is signalled only if it is alone or stays.
    """
    for number in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            return
        members = _group_members(process.pid)
        for pid in members or [process.pid]:
            _signal(pid, process.pid, number)
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue
    process.kill()
    process.wait(timeout=grace)


def _processes() -> Iterator[tuple[int, int, int]]:
    """(pid, parent pid, process group) of every process this process can see in /proc."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        # Fields after the command name (which may hold spaces and parentheses): state ppid pgrp ...
        fields = stat.rpartition(")")[2].split()
        yield int(entry.name), int(fields[1]), int(fields[2])


def _children(pid: int) -> list[int]:
    """The pids of a process's children."""
    return sorted(child for child, parent, _ in _processes() if parent == pid)


def _group_members(leader: int) -> list[int]:
    """The other processes of the group `leader` leads, or [] when it leads none (or has ended)."""
    try:
        if os.getpgid(leader) != leader:
            return []
    except ProcessLookupError:
        return []
    return sorted(pid for pid, _, group in _processes() if group == leader and pid != leader)


def _signal(pid: int, group: int, number: int) -> None:
    """Send a signal to `pid` only if it is still in process group `group` (a pidfd pins it)."""
    try:
        descriptor = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        if os.getpgid(pid) == group:
            signal.pidfd_send_signal(descriptor, number)
    except ProcessLookupError:
        pass
    finally:
        os.close(descriptor)


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


def wait_links_up(sandbox: Sandbox, timeout: float = 3.0, interval: float = 0.05) -> bool:
    """Poll until every link that is set up also has carrier (or `timeout`); True when all are."""
    deadline = time.monotonic() + timeout
    while True:
        if not links_waiting(sandbox):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
