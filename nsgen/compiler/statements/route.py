"""`route NS DESTINATION [via GATEWAY] [dev IFNAME] [metric N] [onlink]`: a route in a namespace,
or in the host (`route host ...`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lark import Token

from nsgen.compiler import ir, plan
from nsgen.compiler.checks import network_word, single_address, unknown_name
from nsgen.compiler.diagnostics import Diagnostic, Span, error
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import (
    IPNetwork,
    Symbols,
    did_you_mean,
    family_of,
    interface_of,
    interfaces_in,
    network_of,
    route_destination,
    subnets_on,
)
from nsgen.compiler.transform import ToIR

METRIC_MAX = 2**32 - 1
"""A route's metric is the kernel's 32-bit priority."""

IPV6_METRIC = 1024
"""The metric the kernel gives an IPv6 route added with none (or with 0)."""


def transform(self: ToIR, children: list[Any]) -> ir.Route:
    """`route NS DESTINATION OPTION...` (DESTINATION from the `destination` rule; each option a
    keyword token and, but for `onlink`, its value)."""
    destination = next(c for c in children if isinstance(c, ir.Word))
    values: dict[str, Any] = {}
    options: list[ir.Option] = []
    tokens = [c for c in children if isinstance(c, Token)]
    for index, token in enumerate(tokens):
        if token.type not in ("VIA", "DEV", "METRIC", "ONLINK"):
            continue
        last = token if token.type == "ONLINK" else tokens[index + 1]
        options.append(ir.Option(str(token), Span(self.file, token.line or 0, token.column or 0,
                                                  last.end_column or 0)))
        field = {"VIA": "gateway", "DEV": "device", "METRIC": "metric", "ONLINK": "onlink"}[token.type]
        value = self.number(last) if token.type == "METRIC" else self.word(last)
        values.setdefault(field, value)  # the first of a repeated option (the second is E135)
    return ir.Route(*self.head(children), namespace=self.word(self.tokens(children, "NAME")[0]),
                    destination=None if destination.text == "default" else destination,
                    gateway=values.get("gateway"), device=values.get("device"), metric=values.get("metric"),
                    onlink=values.get("onlink"), options=tuple(options))


def routes_of(program: ir.Program) -> Iterator[ir.Route]:
    """The program's routes."""
    return (s for s in program.statements if isinstance(s, ir.Route))


def check_routes(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A route's namespace exists, its destination is a network, it says where to send packets,
    its options are given once and valid, its gateway is reachable."""
    for route in routes_of(program):
        where = route.namespace.text
        kind = symbols.kind(where)
        if kind is None:
            yield unknown_name(route.namespace, symbols, "namespace", (ir.HOST,))
        elif kind == "bridge":
            yield error("E121", f"'{where}' is a bridge; routes belong to a namespace or `host`",
                        route.namespace.span, "give the route to a namespace plugged into that bridge")
        if route.destination is not None:
            yield from network_word(route.destination, "route destination")
        yield from _repeated_options(route)
        yield from _route_shape(route)
        if route.metric is not None and route.metric.value > METRIC_MAX:
            yield error("E146", f"metric {route.metric.value} is outside 0-{METRIC_MAX}", route.metric.span)
        if route.device is not None and kind in ("ns", "host"):
            yield from _known_device(route.device, where, symbols)
        if route.gateway is not None:
            yield from _gateway(route, where, kind, symbols)
        yield from _families(route)


def _families(route: ir.Route) -> Iterator[Diagnostic]:
    """E170: a gateway of the other family than the destination; E171: a link-local gateway without `dev`."""
    gateway, destination = route.gateway, route.destination
    if gateway is None or "/" in gateway.text or interface_of(gateway.text) is None:
        return
    family = family_of(gateway.text)
    if destination is not None and network_of(destination.text, strict=False) is not None \
            and family_of(destination.text) != family:
        yield error("E170", f"gateway {gateway.text} is IPv{family}, destination {destination.text} is "
                    f"IPv{family_of(destination.text)}", gateway.span,
                    "a route's gateway is of its destination's family: route IPv6 destinations via an IPv6 "
                    "neighbour, IPv4 ones via an IPv4 neighbour (`default` takes its gateway's family)")
    address = interface_of(gateway.text)
    if address is not None and address.version == 6 and address.ip.is_link_local and route.device is None:
        yield error("E171", f"gateway {gateway.text} is link-local: the kernel needs to know its link",
                    gateway.span, f"add `dev IFNAME`: `{route.source} dev IFNAME`; every link has its own fe80::/64")


def _repeated_options(route: ir.Route) -> Iterator[Diagnostic]:
    first: dict[str, ir.Option] = {}
    for option in route.options:
        if option.keyword in first:
            start = route.span.column
            said = [route.source[o.span.column - start : o.span.end_column - start]
                    for o in (first[option.keyword], option)]
            yield error("E135", f"`{option.keyword}` is given twice; one value would be lost", option.span,
                        f"keep `{said[0]}` or `{said[1]}`")
        first.setdefault(option.keyword, option)


def _route_shape(route: ir.Route) -> Iterator[Diagnostic]:
    """`via` or `dev` (or both); `onlink` with both."""
    if route.gateway is None and route.device is None:
        yield error("E145", "the route says neither `via GATEWAY` nor `dev IFNAME`", route.span,
                    "add `via` and a neighbour's address, or `dev` and an interface of the namespace "
                    "(a device route: the destination is on that link)")
    elif route.onlink is not None and (route.gateway is None or route.device is None):
        yield error("E145", "`onlink` needs both `via GATEWAY` and `dev IFNAME`", route.onlink.span,
                    "the kernel sends packets for the gateway straight out of that device: "
                    "`route NS default via GATEWAY dev IFNAME onlink`")


def _known_device(device: ir.Word, where: str, symbols: Symbols) -> Iterator[Diagnostic]:
    """`dev IF` names an interface of the lab in that namespace; in the host, any name (the host's
    own interfaces, such as its uplink, are not in the lab file)."""
    names = interfaces_in(symbols, where)
    if where != ir.HOST and device.text not in names:
        close = did_you_mean(device.text, sorted(names))
        listed = ", ".join(sorted(names))
        yield error("E144", f"'{where}' has no interface '{device.text}'", device.span,
                    close or f"its interfaces are {listed}")


def _gateway(route: ir.Route, where: str, kind: str | None, symbols: Symbols) -> Iterator[Diagnostic]:
    gateway = route.gateway
    assert gateway is not None
    if "/" in gateway.text or interface_of(gateway.text) is None:
        yield error("E105", f"'{gateway.text}' is not a gateway address", gateway.span,
                    "a gateway is one address without prefix, e.g. 192.168.15.5 or fd00:15::5")
        return
    interface = interface_of(gateway.text)
    assert interface is not None
    if kind not in ("ns", "host") or route.onlink is not None or interface.ip.is_link_local:
        return  # onlink: the kernel takes the gateway to be on the device's link, whatever its subnets
    address = interface.ip
    device = route.device.text if route.device is not None else None
    if device is not None and device in interfaces_in(symbols, where):
        if not any(address in subnet for subnet in subnets_on(symbols, where, device)):
            place = "the host" if where == ir.HOST else f"'{where}'"
            yield error("E109", f"gateway {gateway.text} is on no subnet of {device} in {place}", gateway.span,
                        f"route via an address on {device}'s subnet, or add `onlink` if the gateway "
                        f"is on that link without a subnet of {place} holding it")
    elif not _on_connected_subnet(symbols, where, gateway.text):
        yield error("E109", f"gateway {gateway.text} is on no subnet that '{where}' is connected to",
                    gateway.span, _subnets_hint(symbols, where))


def check_gateway_is_neighbour(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A gateway is not its subnet's network or broadcast address, nor the namespace's own. Concerns: route."""
    for route in routes_of(program):
        if route.gateway is None:
            continue
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
            if subnet.version == 4 and subnet.prefixlen <= 30 \
                    and gateway in (subnet.network_address, subnet.broadcast_address):
                what = "network" if gateway == subnet.network_address else "broadcast"
                yield error("E131", f"gateway {gateway} is the {what} address of {subnet}", route.gateway.span,
                            _neighbour_hint(symbols, where, subnet))
                break


def check_route_conflicts(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Two routes to one destination with one metric in a namespace, or a route to a subnet the
    namespace is connected to (the kernel's own route for it has metric 0): either fails with
    "File exists" when setup runs. Concerns: route."""
    seen: dict[tuple[str, IPNetwork, int], ir.Route] = {}
    kernel_routes = _kernel_routes(symbols)
    for route in routes_of(program):
        where = route.namespace.text
        destination = network_of(route_destination(route))
        if destination is None:
            continue
        metric = route.metric.value if route.metric is not None else 0
        if destination.version == 6:
            metric = metric or IPV6_METRIC
        key = (where, destination, metric)
        span = route.destination.span if route.destination is not None else route.span
        if key in seen:
            first = seen[key]
            yield error("E147", f"a second route to {_shown(destination)} in '{where}' with metric {metric}",
                        span, f"the first is at {first.origin}: `{first.source}`; the kernel keeps one route "
                        "per destination and metric: give one of them another `metric N` (a backup route)")
            continue
        seen[key] = route
        connected = kernel_routes.get((where, destination))
        if metric == 0 and connected is not None and destination.version == 4:
            place = "the host" if where == ir.HOST else f"'{where}'"
            yield error("E148", f"{place} is connected to {destination} already (on {connected})", span,
                        f"the kernel made that route when {connected} got its address; drop this line, "
                        "or give it a `metric N` to keep it as a backup")


def _shown(destination: IPNetwork) -> str:
    return "default" if destination.prefixlen == 0 else str(destination)


def _kernel_routes(symbols: Symbols) -> dict[tuple[str, IPNetwork], str]:
    """(namespace, subnet) -> the interface whose address gives it a kernel route to that subnet
    (a /32 gives none in the main table); the first interface of each."""
    found: dict[tuple[str, IPNetwork], str] = {}
    for interface in symbols.interfaces:
        if interface.address is not None and interface.address.network.prefixlen < interface.address.max_prefixlen:
            found.setdefault((interface.owner, interface.address.network), interface.ifname)
    return found


def _neighbour_hint(symbols: Symbols, where: str, subnet: IPNetwork) -> str:
    for other in symbols.interfaces:
        if other.owner != where and other.address is not None and other.address.network == subnet:
            who = "the host" if other.owner == ir.HOST else f"'{other.owner}'"
            return f"route via a neighbour's address on {subnet}, e.g. {other.address.ip} ({who} on {other.ifname})"
    return f"route via a neighbour's address on {subnet}; no other interface of the lab has one yet"


def _on_connected_subnet(symbols: Symbols, where: str, gateway: str) -> bool:
    found = interface_of(gateway)
    return found is not None and any(found.ip in subnet for subnet in symbols.connected.get(where, ()))


def _subnets_hint(symbols: Symbols, where: str) -> str:
    subnets = sorted({str(s) for s in symbols.connected.get(where, ())})
    onlink = " (or, for a gateway on a link without a subnet of its own: `dev IFNAME onlink`)"
    if not subnets:
        return f"'{where}' has no address yet: give it one on a veth, then route via a neighbour on that subnet"
    return f"'{where}' is on {', '.join(subnets)}; the gateway must be an address there{onlink}"


def lower(statement: ir.Route, context: Context) -> Iterator[plan.Route]:
    """The route, in its namespace (None: the host), its destination a network or `default`."""
    netns = None if statement.namespace.text == ir.HOST else statement.namespace.text
    destination = "default" if statement.destination is None else str(network_of(statement.destination.text))
    yield plan.Route(netns, destination, statement.gateway.text if statement.gateway else None, origin_of(statement),
                     device=statement.device.text if statement.device else None,
                     metric=statement.metric.value if statement.metric else None,
                     onlink=statement.onlink is not None)


KINDS = (
    StatementKind(50, "route", "route", ir.Route, transform,
                  (check_routes, check_gateway_is_neighbour, check_route_conflicts), lower, "### `route"),
)
