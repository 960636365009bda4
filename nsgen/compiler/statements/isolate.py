"""`isolate NS` and `allow FROM -> NS [PROTO PORT]`: NS accepts no new incoming connections but the
allowed ones, enforced by rules inside NS (filter INPUT), whatever joins it to the others."""

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
    """`allow FROM -> NS [PROTO PORT]` (FROM: a name or an address, the token after `allow`)."""
    source: Token = children[1]
    names = [c for c in children[2:] if isinstance(c, Token) and c.type == "NAME"]
    protocols = self.tokens(children, "PROTOCOL")
    ports = self.tokens(children, "INT")
    return ir.Allow(*self.head(children), sender=self.word(source), namespace=self.word(names[0]),
                    protocol=self.word(protocols[0]) if protocols else None,
                    port=self.number(ports[0]) if ports else None)


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
    """`allow` names an isolated namespace (W191 if not isolated), a source the lab knows, a port in range."""
    isolated = {s.namespace.text for s in program.statements if isinstance(s, ir.Isolate)}
    for statement in (s for s in program.statements if isinstance(s, ir.Allow)):
        yield from _in_a_namespace(statement.namespace, symbols, "`allow`")
        if statement.port is not None:
            yield from port_range(statement.port)
        yield from _source(statement.sender, symbols)
        where = statement.namespace.text
        if symbols.kind(where) == "ns" and where not in isolated:
            yield warning("W191", f"'{where}' is not isolated, so it accepts every connection already",
                          statement.namespace.span, f"add `isolate {where}`, or remove this line")
        elif symbols.kind(where) == "ns":
            yield from _families_meet(statement, symbols)


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


def _source(word: ir.Word, symbols: Symbols) -> Iterator[Diagnostic]:
    """FROM is a namespace, `host`, `outside` or a CIDR (or one address) of either family; a
    namespace or the host with no address in the lab matches nothing (W192)."""
    text = word.text
    if _is_address(text):
        yield from network_word(word if "/" in text else ir.Word(_host_prefix(text), word.span), "allow source")
        return
    if text == "outside":
        return
    kind = symbols.kind(text)
    if kind not in ("ns", "host"):
        yield error("E194", f"'{text}' is not something an `allow` can come from", word.span,
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


def lower_allow(statement: ir.Allow, context: Context) -> Iterator[plan.Allow]:
    """Its sources as CIDRs of both families (a namespace's or the host's lab addresses; `outside`:
    none, but the lab's subnets of each family excluded)."""
    text = statement.sender.text
    excluded: tuple[str, ...] = ()
    if text == "outside":
        sources: tuple[str, ...] = ()
        networks = {i.address.network for i in context.symbols.interfaces if i.address is not None}
        for version in (4, 6):
            of_family = sorted(n for n in networks if n.version == version)
            excluded += tuple(str(n) for n in ipaddress.collapse_addresses(of_family))  # type: ignore[type-var]
    elif _is_address(text):
        sources = (str(network_of(text) if "/" in text else ipaddress.ip_interface(_host_prefix(text)).network),)
    else:
        sources = tuple(_addresses(context.symbols, text))
    yield plan.Allow(statement.namespace.text, sources, excluded,
                     statement.protocol.text if statement.protocol else None,
                     statement.port.value if statement.port else None, origin_of(statement), text == "outside")


KINDS = (
    StatementKind(76, "isolate", "isolate", ir.Isolate, transform_isolate,
                  (check_isolate,), lower_isolate,
                  "### `isolate"),
    StatementKind(77, "allow", "allow", ir.Allow, transform_allow, (check_allow,),
                  lower_allow, "### `allow"),
)
