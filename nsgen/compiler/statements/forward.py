"""`forward [NS] tcp|udp PORT -> ADDRESS[:PORT] [in IFNAME]`: DNAT of a port of the host's own addresses,
or (`forward NS`) of namespace NS's, by rules inside it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nsgen.compiler import checks, ir, plan
from nsgen.compiler.checks import FORWARDING, FORWARDING6, namespace_word, port_range, single_address, statements_of
from nsgen.compiler.diagnostics import Diagnostic, error, warning
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.statements.masquerade import namespace_token, rules_namespace
from nsgen.compiler.symbols import IPAddress, IPNetwork, Symbols, family_of, interface_of
from nsgen.compiler.transform import ToIR


def transform(self: ToIR, children: list[Any]) -> ir.Forward:
    """`forward [NS] PROTO PORT -> ADDRESS[:PORT] [in IFNAME]`."""
    namespace, rest = namespace_token(children)
    ints = self.tokens(children, "INT")
    names = self.tokens(rest, "NAME")
    return ir.Forward(*self.head(children), protocol=self.word(self.tokens(children, "PROTOCOL")[0]),
                      port=self.number(ints[0]), target=self.word(self.tokens(children, "ADDRESS")[0]),
                      target_port=self.number(ints[1]) if len(ints) > 1 else None,
                      in_interface=self.word(names[0]) if names else None,
                      namespace=self.word(namespace) if namespace is not None else None)


def check_forwards(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Ports in range, a target address that belongs to a namespace, no port forwarded twice."""
    seen: dict[tuple[str, int, int, str | None], ir.Forward] = {}
    for statement in statements_of(program, ir.Forward):
        assert isinstance(statement, ir.Forward)
        if statement.namespace is not None:
            yield from namespace_word(statement.namespace, symbols, "a `forward`")
        yield from port_range(statement.port)
        if statement.target_port is not None:
            yield from port_range(statement.target_port)
        key = (statement.protocol.text, statement.port.value, family_of(statement.target.text) or 4,
               rules_namespace(statement))
        if key in seen:
            where = f" in '{key[3]}'" if key[3] else ""
            yield error("E128", f"{key[0]} port {key[1]} is already forwarded{where}"
                        f"{' (IPv6)' if key[2] == 6 else ''}", statement.port.span,
                        f"see {seen[key].origin}: `{seen[key].source}`")
        seen.setdefault(key, statement)
        yield from _forward_target(statement, symbols)


def _forward_target(forward: ir.Forward, symbols: Symbols) -> Iterator[Diagnostic]:
    target = forward.target
    if "/" in target.text or interface_of(target.text) is None:
        yield error("E105", f"'{target.text}' is not a forward target address", target.span,
                    "the target is one address of a namespace, without prefix, e.g. 192.168.15.2:80 or [fd00:15::2]:80")
        return
    if symbols.namespace_of_address.get(str(single_address(target))) is None:
        yield error("E110", f"forward target {target.text} belongs to no namespace", target.span,
                    "forward to an address given to a namespace's veth end")


def check_forward_replies(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A forward target's namespace has a route for its replies: to the `in` interface's subnet when the lab
    knows it, else any route of its own. Concerns: forward."""
    host_subnets: dict[tuple[str, int], IPNetwork] = {
        (i.ifname, i.address.version): i.address.network for i in reversed(symbols.interfaces)
        if i.owner == ir.HOST and i.address is not None}  # reversed: the first of a name wins
    for forward in statements_of(program, ir.Forward):
        assert isinstance(forward, ir.Forward)
        target = single_address(forward.target)
        owner = symbols.namespace_of_address.get(str(target))
        if owner is None or target is None or rules_namespace(forward) is not None:  # (in a namespace: E190)
            continue
        routes = [route for route in symbols.routes.get(owner, []) if route.version == target.version]
        arrival = forward.in_interface.text if forward.in_interface else None
        clients = host_subnets.get((arrival, target.version)) if arrival else None
        if clients is None and not routes:
            gateway = _host_neighbour(symbols, owner, target.version)
            yield warning("W111", f"'{owner}' has no route of its own, so replies to forwarded connections "
                          "may not return", forward.target.span, f"add `route {owner} default via {gateway}`, "
                          "or a route to where the clients are")
        elif clients is not None and not any(clients.version == route.version and clients.subnet_of(route)  # type: ignore[arg-type]
                                             for route in routes):
            gateway = _host_neighbour(symbols, owner, target.version)
            yield warning("W111", f"'{owner}' has no route to {clients}, where connections arriving on "
                          f"{arrival} come from, so replies may not return", forward.target.span,
                          f"add `route {owner} {clients} via {gateway}`, or `route {owner} default via {gateway}`")


def _host_neighbour(symbols: Symbols, owner: str, version: int = 4) -> str:
    """An address of the host on a subnet of `owner` (the gateway a route in `owner` usually takes), or GATEWAY."""
    subnets = symbols.connected.get(owner, [])
    for interface in symbols.interfaces:
        if interface.owner == ir.HOST and interface.address and interface.address.network in subnets \
                and interface.address.version == version:
            return str(interface.address.ip)
    return "GATEWAY"


def check_forward_reachable(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """The host has a lab route to each forward target: its own subnet, or a `route host`. Concerns: forward."""
    known = _network_index(symbols.connected.get(ir.HOST, []) + symbols.routes.get(ir.HOST, []))
    for forward in statements_of(program, ir.Forward):
        assert isinstance(forward, ir.Forward)
        if rules_namespace(forward) is not None:
            continue
        target = single_address(forward.target)
        owner = symbols.namespace_of_address.get(str(target))
        if target is None or owner is None or _covered(known, target):
            continue
        interface = symbols.interface_with[(owner, target)]
        assert interface.address is not None
        yield error("E133", f"the host has no route to forward target {target}", forward.target.span,
                    _host_route_hint(symbols, owner, interface.address.network))


def _host_route_hint(symbols: Symbols, owner: str, subnet: IPNetwork) -> str:
    """Name a namespace on both `subnet` and a subnet of the host, as the gateway of the missing route."""
    host = symbols.connected.get(ir.HOST, [])
    routers = {i.owner for i in symbols.interfaces if i.address and i.address.network == subnet} - {owner}
    for router in symbols.interfaces:
        if router.owner in routers and router.address and router.address.network in host:
            return f"add `route host {subnet} via {router.address.ip}` ('{router.owner}', which is on {subnet} too)"
    return (f"'{owner}' is on {subnet}, where the host has no address: plug '{owner}' into a bridge with an "
            f"address, or add `route host {subnet} via GATEWAY`")


def _network_index(networks: list[IPNetwork]) -> set[tuple[int, int, int]]:
    """Networks as (family, prefix length, address >> host bits), for `_covered`."""
    return {(n.version, n.prefixlen, int(n.network_address) >> (n.max_prefixlen - n.prefixlen)) for n in networks}


def _covered(index: set[tuple[int, int, int]], address: IPAddress) -> bool:
    """True if a network of the index contains the address (33 or 129 lookups, however many networks)."""
    value, bits = int(address), address.max_prefixlen
    return any((address.version, length, value >> (bits - length)) in index for length in range(bits + 1))


def check_namespace_forwards(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """`forward NS ...`: NS has a route to the target (its own subnet, or a `route NS`). Concerns: forward."""
    for forward in statements_of(program, ir.Forward):
        assert isinstance(forward, ir.Forward)
        netns = rules_namespace(forward)
        target = single_address(forward.target)
        if netns is None or target is None or symbols.kind(netns) != "ns":
            continue
        if not covered_by_routes(symbols, netns, target):
            yield error("E190", f"namespace '{netns}' has no route to forward target {target}", forward.target.span,
                        f"forward to an address on a subnet of '{netns}', or add `route {netns} "
                        f"{target} via GATEWAY` (a neighbour of '{netns}' that reaches it)")


def covered_by_routes(symbols: Symbols, netns: str, target: IPAddress) -> bool:
    """True when namespace `netns` has a route to `target`: one of its subnets, or a `route netns`."""
    return _covered(_network_index(symbols.connected.get(netns, []) + symbols.routes.get(netns, [])), target)


def lower(statement: ir.Forward, context: Context) -> Iterator[plan.Forward | plan.Sysctl]:
    """The forward, its target port defaulting to the port forwarded; in a namespace, forwarding on there."""
    target_port = statement.target_port.value if statement.target_port else statement.port.value
    in_interface = statement.in_interface.text if statement.in_interface else None
    netns = rules_namespace(statement)
    target = single_address(statement.target)
    owner = context.symbols.namespace_of_address.get(str(target))
    interface = context.symbols.interface_with.get((owner, target)) if owner and target else None
    subnet = str(interface.address.network) if interface is not None and interface.address is not None else None
    yield plan.Forward(statement.protocol.text, statement.port.value, str(target), target_port,
                       in_interface, origin_of(statement), netns, subnet)
    if netns is not None:
        key = FORWARDING6 if target is not None and target.version == 6 else FORWARDING
        yield plan.Sysctl(netns, key, "1", origin_of(statement), plan.NAT_FORWARDING)


KINDS = (
    StatementKind(70, "forward", "forward", ir.Forward, transform,
                  (check_forwards, check_forward_reachable, check_forward_replies, check_namespace_forwards,
                   checks.check_rule_interfaces, checks.check_namespace_rule_interfaces,
                   checks.check_name_lengths), lower, "### `forward [NS]"),
)
