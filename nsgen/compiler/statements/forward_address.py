"""`forward NS ADDRESS -> TARGET [in IFNAME]`: DNAT, by rules inside namespace NS, of every connection
(all protocols) to ADDRESS, to TARGET, an address of a namespace: a router's public address mapped
to a server behind it (static NAT), or a service's address that no interface holds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nsgen.compiler import checks, ir, plan
from nsgen.compiler.checks import FORWARDING, FORWARDING6, namespace_word, single_address, statements_of
from nsgen.compiler.diagnostics import Diagnostic, error
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.statements.forward import covered_by_routes
from nsgen.compiler.statements.masquerade import namespace_token
from nsgen.compiler.symbols import Symbols
from nsgen.compiler.transform import ToIR


def transform(self: ToIR, children: list[Any]) -> ir.ForwardAddress:
    """`forward [NS] ADDRESS -> TARGET [in IFNAME]`."""
    namespace, rest = namespace_token(children)
    addresses = self.tokens(children, "ADDRESS")
    names = self.tokens(rest, "NAME")
    return ir.ForwardAddress(*self.head(children), address=self.word(addresses[0]), target=self.word(addresses[1]),
                             in_interface=self.word(names[0]) if names else None,
                             namespace=self.word(namespace) if namespace is not None else None)


def check_forward_addresses(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """In a namespace (E199 on the host), two single addresses of one family (E200, E202), the target
    a namespace's (E110) that NS routes to (E190), each address forwarded once per namespace (E201)."""
    seen: dict[tuple[str, str], ir.ForwardAddress] = {}
    for statement in statements_of(program, ir.ForwardAddress):
        assert isinstance(statement, ir.ForwardAddress)
        if statement.namespace is None or statement.namespace.text == ir.HOST:
            yield error("E199", "a whole-address `forward` works inside a namespace; on the host nsgen forwards "
                        "ports only", statement.address.span,
                        f"put it in a router namespace (`forward r1 {statement.address.text} -> "
                        f"{statement.target.text}`), or forward ports: "
                        f"`forward tcp PORT -> {statement.target.text}:PORT`")
            continue
        netns = statement.namespace.text
        yield from namespace_word(statement.namespace, symbols, "a `forward`")
        address, target = single_address(statement.address), single_address(statement.target)
        for word, value in ((statement.address, address), (statement.target, target)):
            if value is None:
                yield error("E200", f"'{word.text}' is not one address", word.span,
                            "write one address without prefix, e.g. 10.0.2.100 or fd00:2::100")
            elif value.is_loopback or value.is_multicast or value.is_unspecified or value.is_link_local:
                yield error("E200", f"{value} is a loopback, multicast, unspecified or link-local address, "
                            "which a router does not forward", word.span,
                            "forward an address a router routes, e.g. 10.0.2.100 or fd00:2::100")
                address = target = None
        if address is None or target is None or symbols.kind(netns) != "ns":
            continue
        if address.version != target.version:
            yield error("E202", f"{address} and {target} are of different address families", statement.target.span,
                        "forward an IPv4 address to an IPv4 one, or an IPv6 address to an IPv6 one")
            continue
        key = (netns, str(address))
        if key in seen:
            yield error("E201", f"{address} is already forwarded in '{netns}'", statement.address.span,
                        f"see {seen[key].origin}: `{seen[key].source}`")
            continue
        seen[key] = statement
        yield from _target(statement, symbols, netns)


def _target(statement: ir.ForwardAddress, symbols: Symbols, netns: str) -> Iterator[Diagnostic]:
    """The target is a namespace's address, other than ADDRESS, and NS has a route to it."""
    target = single_address(statement.target)
    assert target is not None
    if single_address(statement.address) == target:
        yield error("E202", f"{target} is forwarded to itself", statement.target.span,
                    "forward the address to another one, of a namespace behind the router")
    elif symbols.namespace_of_address.get(str(target)) is None:
        yield error("E110", f"forward target {target} belongs to no namespace", statement.target.span,
                    "forward to an address given to a namespace's veth end")
    elif not covered_by_routes(symbols, netns, target):
        yield error("E190", f"namespace '{netns}' has no route to forward target {target}", statement.target.span,
                    f"forward to an address on a subnet of '{netns}', or add `route {netns} {target} via GATEWAY`")


def lower(statement: ir.ForwardAddress, context: Context) -> Iterator[plan.AddressForward | plan.Sysctl]:
    """The forward, and forwarding on in its namespace (for the target's family)."""
    assert statement.namespace is not None
    netns = statement.namespace.text
    target = single_address(statement.target)
    in_interface = statement.in_interface.text if statement.in_interface else None
    yield plan.AddressForward(netns, str(single_address(statement.address)), str(target), in_interface,
                              origin_of(statement))
    key = FORWARDING6 if target is not None and target.version == 6 else FORWARDING
    yield plan.Sysctl(netns, key, "1", origin_of(statement), plan.NAT_FORWARDING)


KINDS = (
    StatementKind(71, "forward", "forward_address", ir.ForwardAddress, transform,
                  (check_forward_addresses, checks.check_namespace_rule_interfaces, checks.check_name_lengths),
                  lower, "### `forward NS ADDRESS"),
)
