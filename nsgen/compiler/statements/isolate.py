"""`isolate NS` and `allow FROM -> NS [PROTO PORT]`: NS accepts no new incoming connections but the
allowed ones, enforced by rules inside NS (filter INPUT), whatever joins it to the others.
`allow FROM -> TO via R [PROTO PORT]`: router namespace R (`router R deny`) forwards those (filter FORWARD)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from lark import Token

from nsgen.compiler import ir, plan
from nsgen.compiler.checks import namespace_word, network_word, port_range
from nsgen.compiler.diagnostics import Diagnostic, error, warning
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import Symbols, network_of
from nsgen.compiler.transform import ToIR


def transform_isolate(self: ToIR, children: list[Any]) -> ir.Isolate:
    """`isolate NS`."""
    return ir.Isolate(*self.head(children), namespace=self.word(self.tokens(children, "NAME")[0]))


def transform_allow(self: ToIR, children: list[Any]) -> ir.Allow:
    """`allow FROM -> TO [via ROUTER] [PROTO PORT]` (FROM and TO: a name or an address)."""
    source, destination = [c for c in children[1:] if isinstance(c, Token) and c.type in ("NAME", "ADDRESS")][:2]
    via = [c for c in children if isinstance(c, Token) and c.type == "VIA"]
    routers = [c for c in children[children.index(via[0]) + 1:] if isinstance(c, Token) and c.type == "NAME"] \
        if via else []
    protocols = self.tokens(children, "PROTOCOL")
    ports = self.tokens(children, "INT")
    return ir.Allow(*self.head(children), sender=self.word(source), namespace=self.word(destination),
                    protocol=self.word(protocols[0]) if protocols else None,
                    port=self.number(ports[0]) if ports else None,
                    via=self.word(routers[0]) if routers else None)


def _in_a_namespace(word: ir.Word, symbols: Symbols, what: str) -> Iterator[Diagnostic]:
    """`isolate`/`allow` protect a namespace of the lab; the host's firewall is never changed."""
    if word.text == ir.HOST:
        yield error("E193", f"{what} applies inside a namespace of the lab, not the host", word.span,
                    "nsgen never changes the host's own INPUT rules; name a namespace declared with `ns`")
    else:
        yield from namespace_word(word, symbols, what)


def check_isolate(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """`isolate` names a namespace, once."""
    seen: dict[str, ir.Isolate] = {}
    for statement in (s for s in program.statements if isinstance(s, ir.Isolate)):
        yield from _in_a_namespace(statement.namespace, symbols, "`isolate`")
        if statement.namespace.text in seen:
            first = seen[statement.namespace.text]
            yield warning("W193", f"'{statement.namespace.text}' is isolated twice", statement.span,
                          f"first at {first.origin}; remove one")
        seen.setdefault(statement.namespace.text, statement)


def check_allow(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """`allow` names an isolated namespace (W191 if not isolated), a source the lab knows, a port in range;
    with `via`, a router namespace that denies forwarding (W195 if it does not) and a destination the lab knows."""
    isolated = {s.namespace.text for s in program.statements if isinstance(s, ir.Isolate)}
    denying = {s.namespace.text for s in program.statements if isinstance(s, ir.Router) and s.deny is not None}
    for statement in (s for s in program.statements if isinstance(s, ir.Allow)):
        if statement.port is not None:
            yield from port_range(statement.port)
        yield from _source(statement.sender, symbols)
        if statement.via is not None:
            yield from _through(statement, symbols, denying)
            continue
        if _is_address(statement.namespace.text) or statement.namespace.text == "outside":
            yield error("E196", f"an `allow` without `via` lets connections into a namespace, not to "
                        f"{statement.namespace.text}", statement.namespace.span,
                        "name the isolated namespace, or allow a flow through a router: "
                        f"`allow {statement.sender.text} -> {statement.namespace.text} via ROUTER`")
            continue
        yield from _in_a_namespace(statement.namespace, symbols, "`allow`")
        where = statement.namespace.text
        if symbols.kind(where) == "ns" and where not in isolated:
            yield warning("W191", f"'{where}' is not isolated, so it accepts every connection already",
                          statement.namespace.span, f"add `isolate {where}`, or remove this line")
        elif symbols.kind(where) == "ns":
            yield from _families_meet(statement, symbols)


def _through(statement: ir.Allow, symbols: Symbols, denying: set[str]) -> Iterator[Diagnostic]:
    """`allow FROM -> TO via R`: R a namespace that denies forwarding, TO something the lab knows."""
    assert statement.via is not None
    yield from _in_a_namespace(statement.via, symbols, "`allow ... via`")
    yield from _source(statement.namespace, symbols, "go to")
    router = statement.via.text
    if symbols.kind(router) == "ns" and router not in denying:
        yield warning("W195", f"'{router}' is not a router that denies forwarding (`router {router} deny`), so "
                      "this line adds no rule", statement.via.span,
                      f"write `router {router} deny`, or remove this line")
    source, destination = _families_of(statement.sender.text, symbols), _families_of(statement.namespace.text, symbols)
    if source and destination and not source & destination:
        yield warning("W197", f"{statement.sender.text} and {statement.namespace.text} have no address family in "
                      "common, so this line allows nothing", statement.namespace.span,
                      "allow a flow between addresses of one family (IPv4 to IPv4, IPv6 to IPv6)")


def check_pass_order(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """E203: flows with an `outside` side through one router that no order serves (each one's drops
    of the lab's subnets would drop what another accepts; the iptables target needs such an order)."""
    through: dict[str, list[tuple[ir.Allow, plan.Pass]]] = {}
    for statement in (s for s in program.statements if isinstance(s, ir.Allow) and s.via is not None):
        sides = (statement.sender.text, statement.namespace.text)
        if "outside" not in sides or not all(_known_side(side, symbols) for side in sides):
            continue
        made = next(iter(lower_allow(statement, Context(symbols, quiet=True))))
        assert isinstance(made, plan.Pass)
        through.setdefault(statement.via.text, []).append((statement, made))  # type: ignore[union-attr]
    for flows in through.values():
        _ordered, stuck = plan.order_passes(tuple(made for _statement, made in flows))
        for statement, made in flows:
            if made in stuck:
                yield error("E203", "this flow and another through the same router overlap in a way no order of "
                            "rules serves (each one's drop of the lab's subnets takes what the other accepts)",
                            statement.span, "split the CIDR so it does not straddle the lab's subnets, or write the "
                            "flows between namespaces instead of `outside`")


def _known_side(text: str, symbols: Symbols) -> bool:
    """True for an allow side that lowers: `outside`, a valid address or CIDR, or a namespace or `host`."""
    if text == "outside":
        return True
    if _is_address(text):
        return network_of(text if "/" in text else _host_prefix(text)) is not None
    return symbols.kind(text) in ("ns", "host")


def _families_of(text: str, symbols: Symbols) -> set[int]:
    """The address families one side of an allow has in the lab (none known: every family)."""
    if text == "outside":
        return set()
    if _is_address(text):
        return {6 if ":" in text else 4}
    return {6 if ":" in address else 4 for address in _addresses(symbols, text)}


def _families_meet(statement: ir.Allow, symbols: Symbols) -> Iterator[Diagnostic]:
    """W178: an `allow` whose source has no address of a family the isolated namespace is
    filtered in (an IPv6 CIDR into a namespace with IPv4 addresses only, say): it adds no rule."""
    text, where = statement.sender.text, statement.namespace.text
    if text == "outside":
        return
    if _is_address(text):
        sources = {6 if ":" in text else 4}
    elif symbols.kind(text) in ("ns", "host"):
        sources = {6 if ":" in a else 4 for a in _addresses(symbols, text)}
    else:
        return
    filtered = set(isolated_families(symbols, where))
    if sources and not sources & filtered:
        other = " or ".join(f"IPv{f}" for f in sorted(sources))
        shown = " and ".join(f"IPv{f}" for f in sorted(filtered))
        what = f"{text} is {other}" if _is_address(text) else f"'{text}' has {other} addresses only"
        yield warning("W178", f"{what}, and '{where}' has no {other} address in the lab (its isolation filters "
                      f"{shown} only), so this line adds no rule", statement.sender.span,
                      f"give '{where}' an {other} address to isolate it in {other} too, or allow a source of {shown}")


def _is_address(text: str) -> bool:
    """True for an allow source written as an address or CIDR (IPv4, or IPv6 with its colons)."""
    return text[:1].isdigit() or ":" in text


def _host_prefix(text: str) -> str:
    """One address as a CIDR of itself: /32 (IPv4) or /128 (IPv6)."""
    return f"{text}/128" if ":" in text else f"{text}/32"


def _source(word: ir.Word, symbols: Symbols, way: str = "come from") -> Iterator[Diagnostic]:
    """FROM (or, `way` "go to", TO of an `allow ... via`) is a namespace, `host`, `outside` or a CIDR
    (or one address) of either family; a namespace or the host with no address in the lab matches
    nothing (W192)."""
    text = word.text
    if _is_address(text):
        what = "allow source" if way == "come from" else "allow destination"
        yield from network_word(word if "/" in text else ir.Word(_host_prefix(text), word.span), what)
        return
    if text == "outside":
        return
    kind = symbols.kind(text)
    if kind not in ("ns", "host"):
        yield error("E194", f"'{text}' is not something an `allow` can {way}", word.span,
                    "write a namespace of the lab, `host`, `outside` (beyond the lab's subnets) or a CIDR")
    elif not _addresses(symbols, text):
        yield warning("W192", f"'{text}' has no address in the lab, so this allows nothing", word.span,
                      f"give '{text}' an address, or allow its subnet as a CIDR")


def _addresses(symbols: Symbols, owner: str) -> list[str]:
    """The addresses the lab gives a namespace or the host, of both families, as /32s and /128s, in
    order (each family's rules take those of theirs)."""
    found = [_host_prefix(str(i.address.ip)) for i in symbols.interfaces
             if i.owner == owner and i.address is not None]
    return list(dict.fromkeys(found))


def isolated_families(symbols: Symbols, netns: str) -> tuple[int, ...]:
    """The address families an `isolate` filters: those the lab gives the namespace addresses of
    (IPv4 for one the lab gives none: the lab knows of no IPv6 there)."""
    found = {i.address.version for i in symbols.interfaces if i.owner == netns and i.address is not None}
    return tuple(sorted(found)) or (4,)


def lower_isolate(statement: ir.Isolate, context: Context) -> Iterator[plan.Isolation]:
    """The isolation of its namespace, in the families it has addresses of."""
    netns = statement.namespace.text
    yield plan.Isolation(netns, origin_of(statement), isolated_families(context.symbols, netns))


def _side(text: str, symbols: Symbols) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """One side of an allow as CIDRs of both families, and the subnets it excludes: a namespace's or
    the host's lab addresses; a CIDR; `outside`: none, but the lab's subnets of each family excluded."""
    if text == "outside":
        networks = {i.address.network for i in symbols.interfaces if i.address is not None}
        excluded: tuple[str, ...] = ()
        for version in (4, 6):
            of_family = sorted(n for n in networks if n.version == version)
            excluded += tuple(str(n) for n in ipaddress.collapse_addresses(of_family))  # type: ignore[type-var]
        return (), excluded
    if _is_address(text):
        return (str(network_of(text) if "/" in text else ipaddress.ip_interface(_host_prefix(text)).network),), ()
    return tuple(_addresses(symbols, text)), ()


def lower_allow(statement: ir.Allow, context: Context) -> Iterator[plan.Allow | plan.Pass]:
    """Its sources as CIDRs of both families (a namespace's or the host's lab addresses; `outside`:
    none, but the lab's subnets of each family excluded); with `via`, its destinations likewise."""
    sources, excluded = _side(statement.sender.text, context.symbols)
    protocol = statement.protocol.text if statement.protocol else None
    port = statement.port.value if statement.port else None
    if statement.via is not None:
        destinations, beyond = _side(statement.namespace.text, context.symbols)
        yield plan.Pass(statement.via.text, sources, excluded, destinations, beyond, protocol, port,
                        origin_of(statement), statement.sender.text == "outside", statement.namespace.text == "outside")
        return
    yield plan.Allow(statement.namespace.text, sources, excluded, protocol, port, origin_of(statement),
                     statement.sender.text == "outside")


KINDS = (
    StatementKind(76, "isolate", "isolate", ir.Isolate, transform_isolate,
                  (check_isolate,), lower_isolate,
                  "### `isolate"),
    StatementKind(77, "allow", "allow", ir.Allow, transform_allow, (check_allow, check_pass_order),
                  lower_allow, "### `allow"),
)
