"""gre, gretap and ipip (issue 14) on the kernel. The golden cases' expect lines (golden/gre,
golden/gretap, golden/ipip: sites over an underlay veth pinged across, a gretap on a bridge at each
site) run in test_labs for every target and style; here, for each kind, in every target and style:
a tunnel between two namespaces carries a ping, a tunnel in a namespace that was there before goes
with teardown through the lab's record, and a tunnel in the host is marked, deleted by teardown,
and one of that name the lab did not make is refused and left alone. Kernels without the feature
(this project's machines have none of the three) skip, each named by the probe; the probe itself is
checked against what the kernel answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen.compiler.styles import GUARDED_STYLES, STYLES
from nsgen.harness.sandbox import TUNNEL_KINDS, Sandbox, missing_link_kinds
from tests.conftest import ROOT
from tests.kernel.conftest import skip_without_features
from tests.scriptcheck import write_scripts

pytestmark = pytest.mark.sandbox

LAB = """lab tun
ns red
ns blue
veth red<->blue ip 172.30.0.1/24, 172.30.0.2/24
{kind} red:t1 remote 172.30.0.2 local 172.30.0.1 dev veth-red ip 10.9.0.1/30
{kind} blue:t1 remote 172.30.0.1 ip 10.9.0.2/30
ns far
veth far<->host ip 172.31.0.2/24, 172.31.0.1/24
{kind} t7 remote 172.31.0.2 local 172.31.0.1 ip 10.9.1.1/30
{kind} far:t7 remote 172.31.0.1 local 172.31.0.2 ip 10.9.1.2/30
"""


def lab_of(kind: str) -> str:
    """The test lab with tunnels of `kind`."""
    return LAB.format(kind=kind)


def ping(sandbox: Sandbox, netns: str, address: str) -> bool:
    """One ping from a namespace, bounded to 2 s."""
    return sandbox.run(["ip", "netns", "exec", netns, "ping", "-c", "1", "-W", "2", address],
                       timeout=10).returncode == 0


@pytest.mark.parametrize("kind", TUNNEL_KINDS)
def test_the_probe_says_what_the_kernel_says(kind: str) -> None:
    """The probe calls a kind missing exactly when the kernel does not know the link type (not for
    some other refusal of the probe's own command)."""
    with Sandbox() as sandbox:
        run = sandbox.run(["ip", "link", "add", "t0", "type", kind], timeout=10)
    unknown = run.returncode != 0 and "Unknown device type" in run.stderr
    assert (kind in missing_link_kinds()) == unknown, run.stderr


@pytest.mark.parametrize("kind", TUNNEL_KINDS)
def test_the_skip_names_the_kind(kind: str) -> None:
    """A lab with one of these statements skips only where the probe finds that kind missing, and
    the skip says which; a lab without them does not skip."""
    skip_without_features("ns red\n")
    if kind not in missing_link_kinds():
        skip_without_features(lab_of(kind))  # must not skip
        return
    with pytest.raises(pytest.skip.Exception, match=rf"the running kernel has no {kind} "):
        skip_without_features(lab_of(kind))


@pytest.mark.parametrize("kind", TUNNEL_KINDS)
def test_iproute2_takes_every_tunnel_command(kind: str, target: str, tmp_path: Path) -> None:
    """Runs on every kernel: golden/KIND's plain setup, not stopping at errors. `ip` parses a
    command's words before it asks the kernel, so where the kernel lacks the kind each tunnel's
    `ip link add` fails only with the kernel's "Unknown device type" (and what follows, on the
    missing device, with "Cannot find device"): the words are iproute2's. With the kind, no error."""
    case = ROOT / "golden" / kind / f"{kind}.ns"
    text = case.read_text(encoding="utf-8")
    setup, _down = write_scripts(text, case.name, "plain", tmp_path, target, case.name)
    script = setup.read_text(encoding="utf-8")
    assert "\nset -euo pipefail\n" in script
    setup.write_text(script.replace("\nset -euo pipefail\n", "\nset -uo pipefail\n"), encoding="utf-8")
    tunnels = [line.split()[1].split(":")[-1] for line in text.splitlines() if line.startswith(f"{kind} ")]
    with Sandbox() as sandbox:
        run = sandbox.run(["bash", str(setup)], timeout=60)
    errors = run.stderr.splitlines()
    if kind not in missing_link_kinds():
        assert errors == [], run.stderr
        return
    assert errors.count("Error: Unknown device type.") == len(tunnels), run.stderr
    allowed = {"Error: Unknown device type.", *(f'Cannot find device "{name}"' for name in tunnels)}
    assert set(errors) <= allowed, run.stderr


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("kind", TUNNEL_KINDS)
def test_tunnels_carry_pings_and_go_with_teardown(kind: str, target: str, style: str, tmp_path: Path) -> None:
    """Pings cross each tunnel. In the guarded styles red existed before the lab: its tunnel goes
    through the record and red stays. The host tunnel carries the lab's mark and goes; the sandbox
    ends as it began."""
    skip_without_features(lab_of(kind))
    setup, down = write_scripts(lab_of(kind), "lab.ns", style, tmp_path, target, "lab.ns")
    with Sandbox() as sandbox:
        if style != "plain":  # the plain style makes every namespace, so it needs them absent
            assert sandbox.run(["ip", "netns", "add", "red"]).returncode == 0
        before = sandbox.snapshot()
        for _ in range(1 if style == "plain" else 2):  # a second guarded run changes nothing
            run = sandbox.run(["bash", str(setup)], timeout=60)
            assert run.returncode == 0, run.stderr
        assert ping(sandbox, "red", "10.9.0.2") and ping(sandbox, "blue", "10.9.0.1")
        assert ping(sandbox, "far", "10.9.1.1")
        host = sandbox.run(["ip", "-d", "-o", "link", "show", "dev", "t7"]).stdout
        assert f" {kind} " in host and "alias nsgen:tun" in host, host
        run = sandbox.run(["bash", str(down)], timeout=60)
        assert run.returncode == 0, run.stderr
        assert ("red" in sandbox.namespaces()) == (style != "plain")
        changes = before.diff(sandbox.snapshot())
        assert not changes, "teardown did not restore the sandbox:\n" + "\n".join(changes)


@pytest.mark.parametrize("style", GUARDED_STYLES)
@pytest.mark.parametrize("kind", TUNNEL_KINDS)
def test_a_failed_tunnel_step_rolls_back(kind: str, target: str, style: str, tmp_path: Path) -> None:
    """Runs on every kernel. The host has a veth `t7` the lab did not make, where the lab wants its
    host tunnel: setup stops at a tunnel (there, "not made by this lab"; or, on a kernel without
    the kind, in the default style at the first tunnel, "Unknown device type": the batch style runs
    the host's steps first), undoes what it made, and leaves `t7`."""
    setup, _down = write_scripts(lab_of(kind), "lab.ns", style, tmp_path, target, "lab.ns")
    with Sandbox() as sandbox:
        assert sandbox.run(["ip", "link", "add", "t7", "type", "veth", "peer", "name", "t7p"]).returncode == 0
        before = sandbox.snapshot()
        run = sandbox.run(["bash", str(setup)], timeout=60)
        assert run.returncode != 0, run.stderr
        if kind in missing_link_kinds() and style == "default":
            assert "Unknown device type" in run.stderr and "lab.ns:5" in run.stderr, run.stderr
        else:
            assert "t7" in run.stderr and "not made by this lab" in run.stderr, run.stderr
        changes = before.diff(sandbox.snapshot())
        assert not changes, "the failed setup did not roll back:\n" + "\n".join(changes)


@pytest.mark.parametrize("style", GUARDED_STYLES)
@pytest.mark.parametrize("kind", TUNNEL_KINDS)
def test_a_host_tunnel_the_lab_did_not_make_is_refused(kind: str, target: str, style: str, tmp_path: Path) -> None:
    """A `t7` in the host without the lab's mark: setup stops, saying so, and it is still there
    after the setup's rollback and a teardown."""
    skip_without_features(lab_of(kind))
    setup, down = write_scripts(lab_of(kind), "lab.ns", style, tmp_path, target, "lab.ns")
    with Sandbox() as sandbox:
        made = sandbox.run(["ip", "link", "add", "t7", "type", kind, "remote", "192.0.2.7", "local", "192.0.2.1"])
        assert made.returncode == 0, made.stderr
        run = sandbox.run(["bash", str(setup)], timeout=60)
        assert run.returncode != 0 and "t7" in run.stderr, run.stderr
        assert sandbox.run(["bash", str(down)], timeout=60).returncode == 0
        left = sandbox.run(["ip", "-d", "-o", "link", "show", "dev", "t7"]).stdout
        assert "192.0.2.7" in left and "nsgen:" not in left, left
