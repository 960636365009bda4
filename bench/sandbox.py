"""Run a bash driver in a throw-away sandbox: new network, mount and pid namespaces.

Every measured run gets a fresh sandbox, so runs cannot see each other's state,
and nothing reaches the host: links, routes, rules and namespace files all live
in namespaces that die with the sandbox. ``/proc/sys`` is read-only except
``/proc/sys/net`` (which shows the sandbox's own network namespace), so a script
that writes a kernel-wide sysctl fails instead of changing the host.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

UNSHARE = ["unshare", "--net", "--mount", "--pid", "--fork", "--mount-proc", "--kill-child"]

# Runs first in every sandbox; any failure aborts before a single lab command.
PRELUDE = r"""
set -eu
if [ "$(readlink /proc/self/ns/net)" = "{host_netns}" ]; then
  echo "BENCH abort same-netns"; exit 97
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

# Extra isolation for tools that clean up by broad name (Mininet).
PRIVATE_TMP_HOME = r"""
mount -t tmpfs tmpfs /tmp
mkdir -p /tmp/home
export HOME=/tmp/home
cd /tmp
"""


@dataclass
class SandboxResult:
    """What a sandboxed driver printed and how it ended."""

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


def host_netns() -> str:
    """Identity of the network namespace this process runs in, e.g. ``net:[4026531840]``."""
    return os.readlink("/proc/self/ns/net")


def prelude(private_tmp_home: bool = False) -> str:
    """The sandbox set-up commands, optionally with a private /tmp and HOME."""
    text = PRELUDE.format(host_netns=host_netns())
    if private_tmp_home:
        text += PRIVATE_TMP_HOME
    return text + "set +e\n"


def run_sandboxed(body: str, timeout: float, private_tmp_home: bool = False) -> SandboxResult:
    """Run ``body`` (bash) after the prelude in a fresh sandbox, killed after ``timeout`` s."""
    script = prelude(private_tmp_home) + body
    try:
        proc = subprocess.run(
            [*UNSHARE, "bash", "-c", script],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        return SandboxResult(None, _text(exc.stdout), _text(exc.stderr), True)
    return SandboxResult(proc.returncode, proc.stdout, proc.stderr, False)


def _text(data: bytes | str | None) -> str:
    """Decode what TimeoutExpired carries (bytes even in text mode)."""
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode(errors="replace")
