"""`address NS:IF ADDR[/PREFIX]`: one more address on a lab interface, `lo` included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nsgen.compiler import checks, ir, plan
from nsgen.compiler.checks import namespace_word
from nsgen.compiler.diagnostics import Diagnostic, error
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import Symbols, did_you_mean, interface_of, interfaces_in
from nsgen.compiler.transform import ToIR


def transform(self: ToIR, children: list[Any]) -> ir.Address:
    """`address NS:IF ADDR`."""
    names = self.tokens(children, "NAME")
    return ir.Address(*self.head(children), namespace=self.word(names[0]), ifname=self.word(names[1]),
                      address=self.word(self.tokens(children, "ADDRESS")[0]))


def check_addresses(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """The interface is one the lab makes (or a namespace's `lo`); the address is a valid host address."""
    for statement in (s for s in program.statements if isinstance(s, ir.Address)):
        where, ifname = statement.namespace.text, statement.ifname.text
        yield from namespace_word(statement.namespace, symbols, "an address line")
        if symbols.kind(where) in ("ns", "host") and ifname not in interfaces_in(symbols, where):
            yield _unknown_interface(statement, symbols)
        word = statement.address
        interface = interface_of(word.text)
        if interface is None:
            yield error("E105", f"'{word.text}' is not a valid IP address", word.span,
                        "four numbers 0-255 and an optional prefix 0-32, e.g. 10.255.0.1/32, "
                        "or IPv6 with a prefix 0-128, e.g. fd00:ff::1/128")
            continue
        network = interface.network
        if interface.version == 6:
            yield from checks.ipv6_anycast(word, interface)
        elif network.prefixlen <= 30 and interface.ip in (network.network_address, network.broadcast_address):
            what = "network" if interface.ip == network.network_address else "broadcast"
            yield error("E123", f"{interface.ip} is the {what} address of {network}", word.span,
                        f"pick a host address from {network.network_address + 1} to {network.broadcast_address - 1}")


def _unknown_interface(statement: ir.Address, symbols: Symbols) -> Diagnostic:
    where, ifname = statement.namespace.text, statement.ifname.text
    names = sorted(interfaces_in(symbols, where))
    if where == ir.HOST:
        hint = did_you_mean(ifname, names) or (
            "nsgen changes only the host's interfaces the lab makes (its bridges and veth ends"
            + (f": {', '.join(names)})" if names else ")"))
        return error("E144", f"'{ifname}' is not an interface the lab makes in the host", statement.ifname.span,
                     hint)
    hint = did_you_mean(ifname, names) or f"its interfaces are {', '.join(names)}"
    return error("E144", f"'{where}' has no interface '{ifname}'", statement.ifname.span, hint)


def lower(statement: ir.Address, context: Context) -> Iterator[plan.Address]:
    """The address with its prefix as written, else /32 or /128 (as `ip addr add` takes it)."""
    where = statement.namespace.text
    interface = interface_of(statement.address.text)
    assert interface is not None
    yield plan.Address(None if where == ir.HOST else where, statement.ifname.text, str(interface),
                       origin_of(statement))


KINDS = (
    StatementKind(45, "address", "address", ir.Address, transform,
                  (check_addresses, checks.check_address_ranges, checks.check_duplicate_addresses,
                   checks.check_interface_overlap), lower, "### `address"),
)
