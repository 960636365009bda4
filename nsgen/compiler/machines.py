"""Labs across machines (issue 11, docs/machines.md): one lab file, one program per machine.

A lab with `machine` lines places its statements with `on MACHINE { ... }` blocks. Outside the
blocks it may only have `lab`, `ipv6`, `machine` and `bridge` lines: such a bridge spans the
machines, so each machine gets it, plus one VXLAN device on it (one VNI per bridge, port 4789)
with a forwarding entry for each other machine: frames for all (broadcasts, unknown MACs) go to
every other machine (head-end replication, full mesh), and the bridge learns where each MAC is.
The overlay's MTU is 1450: VXLAN over IPv4 adds 50 bytes to a frame, so on a 1500-byte underlay the spanning
bridge and the veths on it get `mtu 1450` unless the lab gives one (a bigger one draws W230).

`project` gives each machine's program, which the ordinary compiler checks and lowers, so a lab
without machines compiles exactly as before and a machine's script is an ordinary lab script.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field

from nsgen.compiler import ir
from nsgen.compiler.diagnostics import Diagnostic, Span, error, warning
from nsgen.compiler.plan import LabPlan
from nsgen.compiler.statements.machine import check_machines, machines_of
from nsgen.compiler.statements.vxlan import DEFAULT_PORT
from nsgen.compiler.symbols import Symbols, did_you_mean, interface_of

OVERLAY_MTU = 1450
"""A 1500-byte underlay less VXLAN's 50 bytes (outer IPv4 20, UDP 8, VXLAN 8, inner Ethernet 14)."""

VNI_BASE = 10000
"""The spanning bridges' VNIs: 10001 for the first bridge declared outside `on` blocks, 10002 ..."""

GLOBAL = (ir.Lab, ir.Ipv6, ir.Machine, ir.Bridge, ir.On)
"""What a lab with machines may have outside `on` blocks."""


def is_machine_lab(program: ir.Program) -> bool:
    """True when the lab declares machines or places statements on them."""
    return any(isinstance(s, (ir.Machine, ir.On)) for s in program.statements)


def spanning_bridges(program: ir.Program) -> list[ir.Bridge]:
    """The bridges declared outside `on` blocks: each spans every machine."""
    return [s for s in program.statements if isinstance(s, ir.Bridge)]


def vni_of(program: ir.Program, bridge: str) -> int:
    """The VNI of a spanning bridge."""
    names = [b.name.text for b in spanning_bridges(program)]
    return VNI_BASE + names.index(bridge) + 1


def vxlan_name(vni: int) -> str:
    """A machine's VXLAN device on the spanning bridge with `vni` (<= 15 bytes)."""
    return f"vx{vni}"


def placed(program: ir.Program, machine: str) -> list[ir.Statement]:
    """The statements of the `on` blocks for `machine`, in source order."""
    return [s for block in program.statements if isinstance(block, ir.On) and block.machine.text == machine
            for s in block.body]


def _declared(statements: list[ir.Statement]) -> set[str]:
    return {s.name.text for s in statements if isinstance(s, (ir.Ns, ir.Bridge))}


def check_machine_lab(program: ir.Program) -> Iterator[Diagnostic]:
    """What only a lab with machines can get wrong (the rest is checked per machine)."""
    symbols = Symbols("")
    yield from check_machines(program, symbols)
    machines = machines_of(program)
    names = [m.name.text for m in machines]
    if not machines:
        first = next(s for s in program.statements if isinstance(s, ir.On))
        yield error("E230", f"no machine '{first.machine.text}': the lab declares no machines", first.machine.span,
                    f"declare it with its underlay address, e.g. `machine {first.machine.text} 172.30.0.1`")
        return
    spanning = {b.name.text for b in spanning_bridges(program)}
    for statement in program.statements:
        if isinstance(statement, ir.On) and statement.machine.text not in names:
            yield error("E230", f"no machine '{statement.machine.text}'", statement.machine.span,
                        did_you_mean(statement.machine.text, names) or f"the machines are {', '.join(names)}")
        elif not isinstance(statement, GLOBAL):
            yield error("E236", "in a lab with machines, this statement must be placed on a machine",
                        statement.span, f"put it in an `on MACHINE {{ ... }}` block, e.g. `on {names[0]} {{ ... }}`")
        elif isinstance(statement, ir.Bridge):
            yield from _spanning_bridge(statement)
    declared = {name: _declared(placed(program, name)) for name in names}
    for name in names:
        for statement in placed(program, name):
            if isinstance(statement, ir.Veth):
                yield from _veth_across(statement, name, declared, spanning)
            port = statement.port.value if isinstance(statement, ir.Vxlan) and statement.port else DEFAULT_PORT
            if isinstance(statement, ir.Vxlan) and statement.vni is not None and port == DEFAULT_PORT \
                    and statement.vni.value in {vni_of(program, b) for b in spanning}:
                bridge = next(b for b in spanning if vni_of(program, b) == statement.vni.value)
                yield error("E235", f"VXLAN id {statement.vni.value} is the one bridge '{bridge}' spans the machines "
                            "with", statement.vni.span,
                            f"nsgen gives the spanning bridges ids {VNI_BASE + 1} and up: give this vxlan another id")
    yield from _addresses_across(program, names)


def _spanning_bridge(bridge: ir.Bridge) -> Iterator[Diagnostic]:
    if bridge.addresses:
        yield error("E237", "a bridge spanning the machines takes no address", bridge.addresses[0].span,
                    "each machine would get the same address: give one machine its own address on it, e.g. "
                    f"`on h1 {{ veth host:gw<->{bridge.name.text} ip ADDRESS/PREFIX }}`")
    if bridge.mtu is not None and bridge.mtu.value > OVERLAY_MTU:
        yield warning("W230", f"mtu {bridge.mtu.value} is more than a VXLAN overlay carries on a 1500-byte underlay",
                      bridge.mtu.span, f"frames above {OVERLAY_MTU} bytes are dropped unless every underlay link "
                      f"has an MTU of at least {bridge.mtu.value + 50}")


def _veth_across(veth: ir.Veth, machine: str, declared: dict[str, set[str]],
                 spanning: set[str]) -> Iterator[Diagnostic]:
    for end in (veth.left, veth.right):
        owner = end.owner.text
        if owner == ir.HOST or owner in declared[machine] or owner in spanning:
            continue
        elsewhere = sorted(m for m, names in declared.items() if owner in names)
        if elsewhere:
            yield error("E234", f"a veth cannot reach from '{machine}' to '{owner}' on '{elsewhere[0]}'",
                        end.owner.span, "a veth joins two places on one machine: declare a bridge outside the "
                        "`on` blocks (it spans the machines) and attach each side to it on its own machine")


def _addresses_across(program: ir.Program, names: list[str]) -> Iterator[Diagnostic]:
    """E238: an interface address on two machines (addresses are lab-wide)."""
    seen: dict[ipaddress.IPv4Address | ipaddress.IPv6Address, tuple[str, ir.Word]] = {}
    for name in names:
        for statement in placed(program, name):
            words = list(getattr(statement, "addresses", ()))
            if isinstance(statement, ir.Address):
                words.append(statement.address)
            for word in words:
                address = interface_of(word.text)
                if address is None:
                    continue
                first = seen.setdefault(address.ip, (name, word))
                if first[0] != name:
                    yield error("E238", f"{address.ip} is on '{first[0]}' and on '{name}'", word.span,
                                f"addresses are lab-wide: '{first[0]}' has it at {first[1].span.file}:"
                                f"{first[1].span.line}; give this one another address")


def project(program: ir.Program, machine: str) -> ir.Program:
    """The program of one machine: the lab-wide lines, its spanning bridges (overlay MTU) with their
    VXLAN device to every other machine, and what is placed on it (veths on spanning bridges get the
    overlay MTU unless they set one)."""
    machines = machines_of(program)
    me = next(m for m in machines if m.name.text == machine)
    spanning = spanning_bridges(program)
    statements: list[ir.Statement] = []
    for statement in program.statements:
        if isinstance(statement, (ir.Lab, ir.Ipv6)):
            statements.append(statement)
    for bridge in spanning:
        mtu = bridge.mtu or ir.Number(OVERLAY_MTU, bridge.name.span)
        statements.append(dataclasses.replace(bridge, mtu=mtu))
    span_names = {b.name.text for b in spanning}
    for statement in placed(program, machine):
        if isinstance(statement, ir.Veth) and statement.mtu is None \
                and {statement.left.owner.text, statement.right.owner.text} & span_names:
            statement = dataclasses.replace(statement, mtu=ir.Number(OVERLAY_MTU, statement.span))
        statements.append(statement)
    for bridge in spanning:
        vni = vni_of(program, bridge.name.text)
        peers = tuple(ir.Word(peer.address.text, peer.address.span) for peer in machines if peer is not me)
        if not peers:
            continue
        statements.append(ir.Vxlan(
            bridge.span, bridge.source, namespace=None, name=ir.Word(vxlan_name(vni), bridge.name.span),
            vni=ir.Number(vni, bridge.name.span), remote=peers[0], remotes=peers,
            local=ir.Word(me.address.text, me.address.span), device=None, port=None,
            bridge=ir.Word(bridge.name.text, bridge.name.span), addresses=(),
            mtu=ir.Number(bridge.mtu.value if bridge.mtu else OVERLAY_MTU, bridge.name.span)))
    return ir.Program(program.file, tuple(statements))


@dataclass
class MachinePlans:
    """A machine lab's plans: one per machine, in the order declared, with their underlay addresses."""

    plans: dict[str, LabPlan] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)


def dedupe(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Each diagnostic once (a lab-wide line is checked in every machine's program)."""
    seen: set[tuple[str, Span, str]] = set()
    kept = []
    for diagnostic in diagnostics:
        key = (diagnostic.code, diagnostic.span, diagnostic.message)
        if key not in seen:
            seen.add(key)
            kept.append(diagnostic)
    return kept
