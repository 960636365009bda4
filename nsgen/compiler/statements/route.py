"""`route NS DESTINATION via GATEWAY`: a route in a namespace, or in the host (`route host ...`)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from nsgen.compiler import ir, plan
from nsgen.compiler.checks import network_word, single_address, statements_of, unknown_name
from nsgen.compiler.diagnostics import Diagnostic, error
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import Symbols, interface_of, network_of
from nsgen.compiler.transform import ToIR


def transform(self: ToIR, children: list[Any]) -> ir.Route:
    """`route NS DESTINATION via GATEWAY` (DESTINATION from the `destination` rule)."""
    destination = next(c for c in children if isinstance(c, ir.Word))
    return ir.Route(*self.head(children), namespace=self.word(self.tokens(children, "NAME")[0]),
                    destination=None if destination.text == "default" else destination,
                    gateway=self.word(self.tokens(children, "ADDRESS")[0]))


def check_routes(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A route's namespace exists, its destination is a network, its gateway is reachable."""
    for route in statements_of(program, ir.Route):
        assert isinstance(route, ir.Route)
        where = route.namespace.text
        kind = symbols.kind(where)
        if kind is None:
            yield unknown_name(route.namespace, symbols, "namespace", (ir.HOST,))
        elif kind == "bridge":
            yield error("E121", f"'{where}' is a bridge; routes belong to a namespace or `host`",
                        route.namespace.span, "give the route to a namespace plugged into that bridge")
        if route.destination is not None:
            yield from network_word(route.destination, "route destination")
        gateway = route.gateway
        if "/" in gateway.text or interface_of(gateway.text) is None:
            yield error("E105", f"'{gateway.text}' is not a gateway address", gateway.span,
                        "a gateway is one IPv4 address without prefix, e.g. 192.168.15.5")
        elif kind in ("ns", "host") and not _on_connected_subnet(symbols, where, gateway.text):
            yield error("E109", f"gateway {gateway.text} is on no subnet that '{where}' is connected to",
                        gateway.span, _subnets_hint(symbols, where))


def check_gateway_is_neighbour(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A gateway is not its subnet's network or broadcast address, nor the namespace's own. Concerns: route."""
    for route in statements_of(program, ir.Route):
        assert isinstance(route, ir.Route)
        where, gateway = route.namespace.text, single_address(route.gateway)
        if gateway is None:
            continue
        own = symbols.interface_with.get((where, gateway))
        if own is not None and own.address is not None:
            place = "the host" if where == ir.HOST else f"'{where}'"
            yield error("E131", f"gateway {gateway} is an address of {place} itself (on {own.ifname})",
                        route.gateway.span, _neighbour_hint(symbols, where, own.address.network))
            continue
        for subnet in symbols.connected.get(where, ()):
            if subnet.prefixlen <= 30 and gateway in (subnet.network_address, subnet.broadcast_address):
                what = "network" if gateway == subnet.network_address else "broadcast"
                yield error("E131", f"gateway {gateway} is the {what} address of {subnet}", route.gateway.span,
                            _neighbour_hint(symbols, where, subnet))
                break


def _neighbour_hint(symbols: Symbols, where: str, subnet: ipaddress.IPv4Network) -> str:
    for other in symbols.interfaces:
        if other.owner != where and other.address is not None and other.address.network == subnet:
            who = "the host" if other.owner == ir.HOST else f"'{other.owner}'"
            return f"route via a neighbour's address on {subnet}, e.g. {other.address.ip} ({who} on {other.ifname})"
    return f"route via a neighbour's address on {subnet}; no other interface of the lab has one yet"


def _on_connected_subnet(symbols: Symbols, where: str, gateway: str) -> bool:
    address = ipaddress.IPv4Address(gateway)
    return any(address in subnet for subnet in symbols.connected.get(where, ()))


def _subnets_hint(symbols: Symbols, where: str) -> str:
    subnets = sorted({str(s) for s in symbols.connected.get(where, ())})
    if not subnets:
        return f"'{where}' has no address yet: give it one on a veth, then route via a neighbour on that subnet"
    return f"'{where}' is on {', '.join(subnets)}; the gateway must be an address there"


def lower(statement: ir.Route, context: Context) -> Iterator[plan.Route]:
    """The route, in its namespace (None: the host), its destination a network or `default`."""
    netns = None if statement.namespace.text == ir.HOST else statement.namespace.text
    destination = "default" if statement.destination is None else str(network_of(statement.destination.text))
    yield plan.Route(netns, destination, statement.gateway.text, origin_of(statement))


KINDS = (
    StatementKind(50, "route", "route", ir.Route, transform, (check_routes, check_gateway_is_neighbour), lower,
                  "### `route"),
)
