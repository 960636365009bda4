"""Ansible connection `nsgen_sandbox`: runs a task's commands inside one of `nsgen test`'s simulated
machines (a sandbox: its own network, mount and pid namespaces, its own /run).

It is Ansible's `local` connection with every command wrapped in
`nsenter --target=PID --net --mount --pid -- /bin/sh -c COMMAND`, PID being the sandbox holder's
(the host variable `nsgen_sandbox_pid`). Files Ansible copies (the `script` module's script) land
in the controller's file system, which the sandbox shares (its mounts are private copies of the
same ones, /run aside), so the script runs in the machine with the file Ansible put there.
Only `nsgen test` uses it; real machines are reached over ssh (docs/machines.md).
"""

from __future__ import annotations

import shlex

from ansible.plugins.connection.local import Connection as LocalConnection  # type: ignore[import-untyped, import-not-found, unused-ignore]

DOCUMENTATION = """
    name: nsgen_sandbox
    short_description: run commands inside an nsgen test sandbox (a simulated machine)
    description:
        - The local connection, each command entered into the sandbox whose holder has PID nsgen_sandbox_pid.
    author: nsgen
    options:
        sandbox_pid:
            description: PID of the sandbox holder process, as the controller sees it.
            type: int
            required: true
            vars:
                - name: nsgen_sandbox_pid
"""


class Connection(LocalConnection):  # type: ignore[misc, unused-ignore]
    """`local`, entered into the sandbox."""

    transport = "nsgen_sandbox"

    def exec_command(self, cmd: str, in_data: bytes | None = None, sudoable: bool = True) -> tuple[int, bytes, bytes]:
        pid = int(self.get_option("sandbox_pid"))
        wrapped = f"nsenter --target={pid} --net --mount --pid -- /bin/sh -c {shlex.quote(cmd)}"
        return super().exec_command(wrapped, in_data=in_data, sudoable=sudoable)  # type: ignore[no-any-return, unused-ignore]
