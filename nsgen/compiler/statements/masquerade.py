"""`nat [NS] masquerade SUBNET [out IFNAME]`: source NAT of a subnet leaving the host, or (`nat NS`)
leaving namespace NS, by rules inside it."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from lark import Token

from nsgen.compiler import checks, ir, plan
from nsgen.compiler.checks import FORWARDING, FORWARDING6, namespace_word, network_word, statements_of
from nsgen.compiler.diagnostics import Diagnostic, error, warning
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import IPNetwork, Symbols, network_of
from nsgen.compiler.transform import ToIR


def transform(self: ToIR, children: list[Any]) -> ir.Masquerade:
    """`nat [NS] masquerade SUBNET [out IFNAME]`."""
    namespace, rest = namespace_token(children)
    names = self.tokens(rest, "NAME")
    return ir.Masquerade(*self.head(children), subnet=self.word(self.tokens(children, "ADDRESS")[0]),
                         out_interface=self.word(names[0]) if names else None,
                         namespace=self.word(namespace) if namespace is not None else None)


def namespace_token(children: list[Any]) -> tuple[Token | None, list[Any]]:
    """The NAME right after a statement's keyword (`nat NS ...`, `forward NS ...`), if any, and the
    children after it."""
    second = children[1] if len(children) > 1 else None
    if isinstance(second, Token) and second.type == "NAME":
        return second, children[2:]
    return None, children[1:]


def check_masquerade(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A masquerade subnet is a valid network."""
    for statement in statements_of(program, ir.Masquerade):
        assert isinstance(statement, ir.Masquerade)
        if statement.namespace is not None:
            yield from namespace_word(statement.namespace, symbols, "a `nat` rule")
        yield from network_word(statement.subnet, "masquerade subnet")


def check_repeated_masquerade(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """The same subnet masqueraded twice through the same `out` (or none). Concerns: masquerade."""
    seen: dict[tuple[IPNetwork, str | None, str | None], ir.Masquerade] = {}
    for statement in statements_of(program, ir.Masquerade):
        assert isinstance(statement, ir.Masquerade)
        network = network_of(statement.subnet.text)
        if network is None:
            continue
        key = (network, statement.out_interface.text if statement.out_interface else None, rules_namespace(statement))
        if key in seen:
            first = seen[key]
            where = f" in '{key[2]}'" if key[2] else ""
            yield warning("W136", f"{network} is already masqueraded{f' out {key[1]}' if key[1] else ''}{where}",
                          statement.subnet.span, f"see {first.origin}: `{first.source}`; remove this line")
        seen.setdefault(key, statement)


def check_masquerade_everything(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """`nat masquerade 0.0.0.0/0` (or ::/0): iptables refuses its rule, nft's matches nothing. Concerns: masquerade."""
    subnets = sorted({i.address.network for i in symbols.interfaces if i.address is not None},
                     key=lambda n: (n.version, n))
    example = f"nat masquerade {subnets[0] if subnets else '10.0.0.0/24'} out eth0"
    for statement in statements_of(program, ir.Masquerade):
        assert isinstance(statement, ir.Masquerade)
        network = network_of(statement.subnet.text)
        if network is not None and network.prefixlen == 0:
            yield error("E138", f"{network} cannot be masqueraded: the rule leaves traffic to its own subnet "
                        "alone, here all traffic (iptables refuses it, nft's matches nothing)", statement.subnet.span,
                        f"masquerade each lab subnet, with `out IF` for only what leaves the host there: `{example}`")


def check_masquerade_in_lab(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A masquerade subnet that holds no address of the lab matches no lab traffic. Concerns: masquerade."""
    addresses = [i.address for i in symbols.interfaces if i.address is not None]
    for statement in statements_of(program, ir.Masquerade):
        assert isinstance(statement, ir.Masquerade)
        network = network_of(statement.subnet.text)
        if network is None or network.prefixlen == 0 or any(a.ip in network for a in addresses):
            continue
        subnets = [str(n) for n in sorted({a.network for a in addresses}, key=lambda n: (n.version, n))]
        known = f"the lab's subnets are {', '.join(subnets[:4])}" if subnets else "the lab has no address yet"
        yield warning("W137", f"no address of the lab is in {network}, so this masquerades none of its traffic",
                      statement.subnet.span, f"{known}; masquerade one of those, or fix the subnet")


NOT_ROUTED = (
    (ipaddress.IPv6Network("fe80::/10"), "link-local"), (ipaddress.IPv6Network("ff00::/8"), "multicast"),
    (ipaddress.IPv4Network("169.254.0.0/16"), "link-local"), (ipaddress.IPv4Network("224.0.0.0/4"), "multicast"),
)
"""Prefixes whose traffic is never routed out of its link, so never masqueraded."""


def check_masquerade_unroutable(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """E172: a masquerade of a link-local or multicast prefix (its packets never leave their link, and
    a router never forwards them: the rule could match nothing). Concerns: masquerade."""
    for statement in statements_of(program, ir.Masquerade):
        assert isinstance(statement, ir.Masquerade)
        network = network_of(statement.subnet.text)
        for prefix, what in NOT_ROUTED:
            if network is not None and network.version == prefix.version and network.subnet_of(prefix):  # type: ignore[arg-type]
                yield error("E172", f"{network} is {what} ({prefix}): its packets are never routed, so never "
                            "masqueraded", statement.subnet.span,
                            "masquerade the lab's global (or unique local, fd00::/8) subnet instead")


def lower(statement: ir.Masquerade, context: Context) -> Iterator[plan.Masquerade | plan.Sysctl]:
    """The subnet (as a network) and the interface it leaves by, if given; in a namespace, forwarding
    on there too (as NAT in the host turns it on in the host), for the subnet's family."""
    out = statement.out_interface.text if statement.out_interface else None
    netns = rules_namespace(statement)
    network = network_of(statement.subnet.text)
    yield plan.Masquerade(str(network), out, origin_of(statement), netns)
    if netns is not None:
        key = FORWARDING6 if network is not None and network.version == 6 else FORWARDING
        yield plan.Sysctl(netns, key, "1", origin_of(statement), plan.NAT_FORWARDING)


def rules_namespace(statement: ir.Masquerade | ir.Forward) -> str | None:
    """The namespace a `nat`/`forward` line puts its rules in; None for the host (no name, or `host`)."""
    if statement.namespace is None or statement.namespace.text == ir.HOST:
        return None
    return statement.namespace.text


KINDS = (
    StatementKind(60, "nat", "masquerade", ir.Masquerade, transform,
                  (check_masquerade, check_repeated_masquerade, check_masquerade_everything, check_masquerade_in_lab,
                   check_masquerade_unroutable,
                   checks.check_rule_interfaces, checks.check_namespace_rule_interfaces, checks.check_name_lengths),
                  lower, "### `nat [NS] masquerade"),
)
