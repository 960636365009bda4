"""Scripts never take over or delete a host interface the lab did not create.

From the ownership issue's findings, on hosts like real ones: a lab naming a host end `host:eth0`
where eth0 is a container's own veth, and a lab naming a bridge-side end after a veth that is
another bridge's port (Docker's `vethdock` on `docker0`). Setup must refuse (and leave the host as it
was); teardown, even of a lab never set up, must leave those interfaces alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen.compiler.styles import GUARDED_STYLES, STYLES
from nsgen.harness.sandbox import Sandbox
from tests.scriptcheck import write_scripts

pytestmark = pytest.mark.sandbox

CONTAINER_ETH0 = """\
lab hostend
ns a
veth a<->host:ceth0 ip 10.9.0.2/24, 10.9.0.1/24
"""

DOCKER_PORT = """\
lab dockerport
ns red
bridge v-net-0 ip 192.168.15.5/24
veth red<->v-net-0:vethdock ip 192.168.15.1/24
"""

# A host with a container-style veth `ceth0` (its peer in namespace `box`), and a bridge `docker0`
# with a container port `vethdock`, as on a Docker host.
HOST = (
    ("ip", "netns", "add", "box"),
    ("ip", "link", "add", "ceth0", "type", "veth", "peer", "name", "eth0", "netns", "box"),
    ("ip", "link", "add", "docker0", "type", "bridge"),
    ("ip", "netns", "add", "web"),
    ("ip", "link", "add", "vethdock", "master", "docker0", "type", "veth", "peer", "name", "eth0", "netns", "web"),
)


def _prepare(sandbox: Sandbox) -> None:
    for command in HOST:
        run = sandbox.run(command)
        assert run.returncode == 0, run.stderr


def _links(sandbox: Sandbox) -> str:
    return sandbox.run(["ip", "-o", "link", "show"]).stdout


@pytest.mark.parametrize("style", GUARDED_STYLES)
@pytest.mark.parametrize("source", [CONTAINER_ETH0, DOCKER_PORT], ids=["container-eth0", "docker-port"])
def test_setup_refuses_a_host_veth_it_did_not_create(source: str, target: str, style: str, tmp_path: Path) -> None:
    setup, _down = write_scripts(source, "lab.ns", style, tmp_path, target)
    with Sandbox() as sandbox:
        _prepare(sandbox)
        before = sandbox.snapshot()
        run = sandbox.run(["bash", str(setup)])
        assert run.returncode != 0, "setup took over an interface it did not create"
        assert "was not made by" in run.stderr, run.stderr
        veth_line = next(n for n, line in enumerate(source.splitlines(), 1) if line.startswith("veth"))
        assert f"lab.ns:{veth_line}" in run.stderr, run.stderr
        changes = before.diff(sandbox.snapshot())
        assert not changes, "setup's rollback left the host changed:\n" + "\n".join(changes)
        assert "master docker0" in sandbox.run(["ip", "-o", "link", "show", "dev", "vethdock"]).stdout


@pytest.mark.parametrize("source", [CONTAINER_ETH0, DOCKER_PORT], ids=["container-eth0", "docker-port"])
def test_plain_setup_stops_at_a_host_veth_it_did_not_create(source: str, target: str, tmp_path: Path) -> None:
    """The plain style has no checks and no rollback (docs/language.md): it stops at `ip link add`
    ("File exists") and leaves what it made before that, but the host's veth is as it was: same
    peer, same bridge, no lab address."""
    setup, _down = write_scripts(source, "lab.ns", "plain", tmp_path, target)
    with Sandbox() as sandbox:
        _prepare(sandbox)
        theirs = {name: _link_and_addresses(sandbox, name) for name in ("ceth0", "vethdock")}
        run = sandbox.run(["bash", str(setup)])
        assert run.returncode != 0 and "File exists" in run.stderr, run.stderr
        assert {name: _link_and_addresses(sandbox, name) for name in theirs} == theirs


def _link_and_addresses(sandbox: Sandbox, name: str) -> tuple[str, str]:
    """An interface's `ip -o link` line (its peer, master, state, alias) and its addresses."""
    link = sandbox.run(["ip", "-o", "link", "show", "dev", name]).stdout
    return link, sandbox.run(["ip", "-o", "addr", "show", "dev", name]).stdout


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("source", [CONTAINER_ETH0, DOCKER_PORT], ids=["container-eth0", "docker-port"])
def test_teardown_of_a_lab_never_set_up_deletes_no_host_veth(source: str, target: str, style: str,
                                                             tmp_path: Path) -> None:
    _setup, down = write_scripts(source, "lab.ns", style, tmp_path, target)
    with Sandbox() as sandbox:
        _prepare(sandbox)
        run = sandbox.run(["bash", str(down)])
        assert run.returncode == 0, run.stderr
        links = _links(sandbox)
        assert " ceth0@" in links, "teardown deleted the container's veth"
        assert " vethdock@" in links, "teardown deleted another bridge's port"


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_the_labs_own_host_veth_is_marked_and_removed(target: str, style: str, tmp_path: Path) -> None:
    setup, down = write_scripts(DOCKER_PORT.replace("vethdock", "vethlab"), "lab.ns", style, tmp_path, target)
    with Sandbox() as sandbox:
        for _ in range(2):  # the second run finds the lab's own, marked veth and keeps it
            run = sandbox.run(["bash", str(setup)])
            assert run.returncode == 0, run.stderr
        assert "alias nsgen:dockerport" in sandbox.run(["ip", "-o", "link", "show", "dev", "vethlab"]).stdout
        run = sandbox.run(["bash", str(down)])
        assert run.returncode == 0, run.stderr
        assert " vethlab@" not in _links(sandbox)


RERUN = """\
lab rerun
ns red
ns blue
bridge v-net-0 ip 192.168.15.5/24
veth red<->v-net-0 ip 192.168.15.1/24
veth blue<->v-net-0 ip 192.168.15.2/24
route blue default via 192.168.15.5
"""


@pytest.mark.parametrize("style", GUARDED_STYLES)
def test_rerun_right_after_a_namespace_is_deleted_by_hand_completes_the_lab(target: str, style: str,
                                                                           tmp_path: Path) -> None:
    """`ip netns del red` returns before the kernel has removed red's veth peer in the host; a
    setup run at once must not take that dying veth over, but wait for it and make the pair anew."""
    setup, _down = write_scripts(RERUN, "rerun.ns", style, tmp_path, target)
    with Sandbox() as sandbox:
        assert sandbox.run(["bash", str(setup)]).returncode == 0
        built = sandbox.snapshot()
        for attempt in range(3):
            # one shell deletes the namespace and reruns setup at once (a process start later
            # would give the kernel time to finish)
            run = sandbox.run(["bash", "-c", 'ip netns del red && exec bash "$0"', str(setup)])
            assert run.returncode == 0, f"attempt {attempt + 1}: {run.stderr}"
            changes = built.diff(sandbox.snapshot())
            assert not changes, f"attempt {attempt + 1}: the lab differs:\n" + "\n".join(changes)
