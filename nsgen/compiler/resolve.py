"""Lower checked IR into the plan: default names, address prefixes, implied bridges, expectations."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, TypeVar

from nsgen.compiler import ir, plan
from nsgen.compiler.symbols import (
    Symbols,
    addressed_ends,
    bridge_of,
    end_ifnames,
    network_of,
    resolve_address,
)


def _origin(statement: ir.Statement) -> plan.Origin:
    line = statement.span.line
    return plan.Origin(f"{script_name(statement.span.file)}:{line}", statement.source, line)


@functools.cache
def script_name(file: str) -> str:
    """The lab file's name as scripts cite it: no folders, and only characters safe in any quoting."""
    name = PurePath(file).name if file not in ("-", "") else "<stdin>"
    return name if name == "<stdin>" else re.sub(r"[^A-Za-z0-9_.,+@=-]", "_", name)


IPV6_MIN_MTU = 1280
"""Below this MTU the kernel runs no IPv6 on an interface, so there is no mode to set."""


@dataclass(frozen=True)
class Context:
    """What lowering one statement may look at: the lab's symbols, and whether its interfaces in
    namespaces get `addrgenmode none` (`quiet`: the lab has no `ipv6 link-local`)."""

    symbols: Symbols
    quiet: bool


PlanItem = plan.Namespace | plan.Bridge | plan.Veth | plan.Route | plan.Masquerade | plan.Forward | plan.Expectation
Lowering = Callable[[Any, Context], Iterable[PlanItem]]
"""A statement kind's lowering: one statement in, the plan items it makes out."""

T = TypeVar("T")


def lower(program: ir.Program, symbols: Symbols, lowering: Mapping[type[ir.Statement], Lowering]) -> plan.LabPlan:
    """The plan of a program that passed its checks: each statement lowered by its kind's
    lowering (from the statement registry), the items sorted into the plan's fields."""
    context = Context(symbols, quiet=not any(isinstance(s, ir.Ipv6) for s in program.statements))
    items = [item for statement in program.statements for item in lowering[type(statement)](statement, context)]

    def of(kind: type[T] | tuple[type, ...]) -> tuple[T, ...]:
        return tuple(item for item in items if isinstance(item, kind))  # type: ignore[misc]

    bridges: tuple[plan.Bridge, ...] = of(plan.Bridge)
    return plan.LabPlan(
        name=symbols.lab,
        file=script_name(program.file),
        namespaces=of(plan.Namespace),
        bridges=tuple(b for b in bridges if not b.implicit) + tuple(b for b in bridges if b.implicit),
        veths=of(plan.Veth),
        routes=of(plan.Route),
        masquerades=of(plan.Masquerade),
        forwards=of(plan.Forward),
        expectations=of((plan.PingExpectation, plan.ConnectExpectation)),
    )


def lower_nothing(statement: ir.Statement, context: Context) -> Iterable[PlanItem]:
    """For statements that set something for the whole lab (`lab`, `ipv6`): nothing of their own."""
    return ()


def lower_ns(statement: ir.Ns, context: Context) -> Iterable[PlanItem]:
    """A namespace, once (a second declaration is an error before lowering)."""
    if context.symbols.namespaces[statement.name.text] is statement:
        yield plan.Namespace(statement.name.text, _origin(statement))


def lower_bridge(statement: ir.Bridge, context: Context) -> Iterable[PlanItem]:
    """A declared bridge with its address (its prefix resolved) and MTU."""
    name = statement.name.text
    if context.symbols.bridges.get(name) is not statement:
        return
    address = resolve_address(statement.addresses[0].text, context.symbols, name) if statement.addresses else None
    mtu = statement.mtu.value if statement.mtu else None
    yield plan.Bridge(name, str(address) if address else None, mtu, False, _origin(statement))


def lower_veth(statement: ir.Veth, context: Context) -> Iterable[PlanItem]:
    """The pair, after the bridge its end names if no `bridge` line declares it."""
    symbols = context.symbols
    for end in (statement.left, statement.right):
        name = end.owner.text
        if name not in symbols.bridges and symbols.implicit_bridges.get(name) is statement:
            yield plan.Bridge(name, None, None, True, _origin(statement))
    yield _veth(statement, symbols, context.quiet)


def lower_route(statement: ir.Route, context: Context) -> Iterable[PlanItem]:
    """A route in a namespace or the host."""
    yield _route(statement)


def lower_masquerade(statement: ir.Masquerade, context: Context) -> Iterable[PlanItem]:
    """Source NAT of a subnet."""
    yield _masquerade(statement)


def lower_forward(statement: ir.Forward, context: Context) -> Iterable[PlanItem]:
    """A port forward (DNAT)."""
    yield _forward(statement)


def lower_expectation(statement: ir.ExpectPing | ir.ExpectConnect, context: Context) -> Iterable[PlanItem]:
    """An expectation for `nsgen test`."""
    yield _expectation(statement)


def _veth(veth: ir.Veth, symbols: Symbols, quiet: bool) -> plan.Veth:
    """`quiet`: ends in namespaces get `addrgenmode none` (no IPv6 link-local address; see
    docs/language.md, `ipv6 link-local`), unless their MTU is too small for IPv6 anyway."""
    names = dict(zip((id(veth.left), id(veth.right)), end_ifnames(veth, symbols), strict=True))
    bridge = bridge_of(veth, symbols)
    addresses = {id(end): str(resolve_address(word.text, symbols, bridge))
                 for end, word in addressed_ends(veth, symbols)}
    mode = "none" if quiet and (veth.mtu is None or veth.mtu.value >= IPV6_MIN_MTU) else None

    def end(side: ir.VethEnd) -> plan.VethEnd:
        kind = symbols.kind(side.owner.text) or "bridge"
        netns = side.owner.text if kind == "ns" else None
        return plan.VethEnd(netns=netns, ifname=names[id(side)], address=addresses.get(id(side)),
                            master=side.owner.text if kind == "bridge" else None,
                            addrgenmode=mode if netns else None)

    left, right = end(veth.left), end(veth.right)
    # The host or bridge side is created first, so the other end can be sent into its namespace.
    outer, inner = (right, left) if right.netns is None and (left.netns is not None or right.master) else (left, right)
    return plan.Veth(outer=outer, inner=inner, mtu=veth.mtu.value if veth.mtu else None, origin=_origin(veth))


def _route(route: ir.Route) -> plan.Route:
    netns = None if route.namespace.text == ir.HOST else route.namespace.text
    destination = "default" if route.destination is None else str(network_of(route.destination.text))
    return plan.Route(netns, destination, route.gateway.text, _origin(route))


def _masquerade(statement: ir.Masquerade) -> plan.Masquerade:
    out = statement.out_interface.text if statement.out_interface else None
    return plan.Masquerade(str(network_of(statement.subnet.text)), out, _origin(statement))


def _forward(statement: ir.Forward) -> plan.Forward:
    target_port = statement.target_port.value if statement.target_port else statement.port.value
    in_interface = statement.in_interface.text if statement.in_interface else None
    return plan.Forward(statement.protocol.text, statement.port.value, statement.target.text, target_port,
                        in_interface, _origin(statement))


def _expectation(statement: ir.ExpectPing | ir.ExpectConnect) -> plan.Expectation:
    if isinstance(statement, ir.ExpectPing):
        return plan.PingExpectation(statement.source_ns.text, statement.address.text, statement.negated,
                                    _origin(statement))
    listener_port = statement.listener_port.value if statement.listener_port else statement.port.value
    return plan.ConnectExpectation(
        netns=statement.source_ns.text, protocol=statement.protocol.text, address=statement.address.text,
        port=statement.port.value, listener_netns=statement.listener_ns.text, listener_port=listener_port,
        seen_from=statement.seen_from.text if statement.seen_from else None, negated=statement.negated,
        origin=_origin(statement))
