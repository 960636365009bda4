"""Lower checked IR into the plan: default names, address prefixes, implied bridges, expectations."""

from __future__ import annotations

import functools
import re
from pathlib import PurePath

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


def lower(program: ir.Program, symbols: Symbols) -> plan.LabPlan:
    """The plan of a program that passed its checks."""
    statements = program.statements
    quiet = not any(isinstance(s, ir.Ipv6) for s in statements)
    return plan.LabPlan(
        name=symbols.lab,
        file=script_name(program.file),
        namespaces=tuple(plan.Namespace(s.name.text, _origin(s)) for s in statements
                         if isinstance(s, ir.Ns) and symbols.namespaces[s.name.text] is s),
        bridges=_bridges(symbols),
        veths=tuple(_veth(s, symbols, quiet) for s in statements if isinstance(s, ir.Veth)),
        routes=tuple(_route(s) for s in statements if isinstance(s, ir.Route)),
        masquerades=tuple(_masquerade(s) for s in statements if isinstance(s, ir.Masquerade)),
        forwards=tuple(_forward(s) for s in statements if isinstance(s, ir.Forward)),
        expectations=tuple(_expectation(s) for s in statements if isinstance(s, (ir.ExpectPing, ir.ExpectConnect))),
    )


def _bridges(symbols: Symbols) -> tuple[plan.Bridge, ...]:
    bridges = []
    for name in symbols.all_bridges():
        declared = symbols.bridges.get(name)
        if declared is None:
            bridges.append(plan.Bridge(name, None, None, True, _origin(symbols.implicit_bridges[name])))
            continue
        address = resolve_address(declared.addresses[0].text, symbols, name) if declared.addresses else None
        mtu = declared.mtu.value if declared.mtu else None
        bridges.append(plan.Bridge(name, str(address) if address else None, mtu, False, _origin(declared)))
    return tuple(bridges)


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
