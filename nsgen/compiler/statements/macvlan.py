"""`macvlan NS:NAME on PARENT [mode MODE] [ip ADDRESS/PREFIX] [mtu N]`: a macvlan in a namespace
whose parent is an interface in the host (issue 14)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from lark import Token

from nsgen.compiler import checks, ir, plan
from nsgen.compiler.checks import earlier_interfaces, name_twice, namespace_word
from nsgen.compiler.diagnostics import Diagnostic, error, warning
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import Symbols, interfaces_in, resolve_address
from nsgen.compiler.transform import ToIR

MODES = ("bridge", "vepa", "private", "passthru")
"""The modes nsgen writes (the kernel's `source` mode needs a list of MACs: not supported)."""

DEFAULT_MODE = "bridge"
"""Always written: macvlans of one parent in bridge mode reach each other without an external switch."""


def transform(self: ToIR, children: list[Any]) -> ir.Macvlan:
    """`macvlan NS:NAME on PARENT [mode MODE] OPTION...`."""
    return ir.Macvlan(*self.head(children), **child_link(self, children))


def child_link(self: ToIR, children: list[Any]) -> dict[str, Any]:
    """The fields of a link made on a parent in the host (`macvlan`, `ipvlan`: `NS:NAME on PARENT
    [mode MODE] OPTION...`), for its IR node."""
    names = self.tokens(children, "NAME")
    modes = [after for before, after in itertools.pairwise(children)
             if isinstance(before, Token) and before.type == "MODE"]
    link = self.options(children)
    return {"namespace": self.word(names[0]), "name": self.word(names[1]), "parent": self.word(names[2]),
            "mode": self.word(modes[0]) if modes else None, "addresses": link["addresses"], "mtu": link["mtu"],
            "options": link["options"]}


def macvlans_of(program: ir.Program) -> Iterator[ir.Macvlan]:
    """The program's macvlans."""
    return (s for s in program.statements if type(s) is ir.Macvlan)


def check_macvlans(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Its namespace (a lab namespace, not the host), its mode, a parent that can carry it, its name."""
    for macvlan in macvlans_of(program):
        if macvlan.namespace.text == ir.HOST:
            yield error("E100", "a macvlan lives in a namespace, not in 'host'", macvlan.namespace.span,
                        "name a namespace of the lab: `macvlan NS:NAME on PARENT`; its parent is in the host")
        else:
            yield from namespace_word(macvlan.namespace, symbols, "a macvlan")
        if macvlan.mode is not None and macvlan.mode.text not in MODES:
            yield error("E160", f"unknown macvlan mode '{macvlan.mode.text}'", macvlan.mode.span,
                        f"one of {', '.join(MODES)} (`bridge` when no mode is given)")
        yield from parent_diagnostics(macvlan, symbols)
        yield from name_diagnostics(macvlan, symbols)


def parent_diagnostics(macvlan: ir.Macvlan, symbols: Symbols) -> Iterator[Diagnostic]:
    """E159 for a parent the kernel refuses: `lo`, or a port of a lab bridge (the bridge holds the
    port's receive handler: "Device or resource busy", measured)."""
    parent = macvlan.parent.text
    kind = "ipvlan" if isinstance(macvlan, ir.Ipvlan) else "macvlan"
    if parent == "lo":
        yield error("E159", f"'lo' cannot be a {kind}'s parent", macvlan.parent.span,
                    "name an Ethernet interface of the host, a lab bridge or a host veth end")
        return
    if parent in symbols.bridges and symbols.bridges[parent].ovs:
        yield error("E216", f"'{parent}' is an Open vSwitch bridge; a {kind}'s parent here is a Linux interface",
                    macvlan.parent.span, "give the namespace a port of the switch instead: "
                    f"`veth {macvlan.namespace.text}<->{parent} ip ADDRESS/PREFIX`")
        return
    for interface in symbols.interfaces:
        if interface.owner == ir.HOST and interface.ifname == parent and interface.bridge \
                and interface.ifname != interface.bridge:
            yield error("E159", f"'{parent}' is a port of bridge '{interface.bridge}' and cannot be a {kind}'s "
                        "parent", macvlan.parent.span,
                        f"the kernel refuses it (device busy): use the bridge itself, `on {interface.bridge}`")
            return


def name_diagnostics(macvlan: ir.Macvlan, symbols: Symbols) -> Iterator[Diagnostic]:
    """E114 for a name another lab interface has in the same namespace."""
    where = macvlan.namespace.text
    for other in earlier_interfaces(macvlan, where, symbols):
        if other.ifname == macvlan.name.text:
            yield name_twice(macvlan.name, where, other)


def lower(statement: ir.Macvlan, context: Context) -> Iterator[plan.Macvlan]:
    """The macvlan; it gets `addrgenmode none` as veth ends do (`quiet`)."""
    address = resolve_address(statement.addresses[0].text, context.symbols, None) if statement.addresses else None
    yield plan.Macvlan(
        netns=statement.namespace.text, ifname=statement.name.text, parent=statement.parent.text,
        mode=statement.mode.text if statement.mode else DEFAULT_MODE, address=str(address) if address else None,
        mtu=statement.mtu.value if statement.mtu else None, origin=origin_of(statement),
        parent_in_lab=statement.parent.text in interfaces_in(context.symbols, ir.HOST),
        addrgenmode="none" if context.quiet else None, mode_given=statement.mode is not None)


def check_parent_expectations(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """W212: an `expect` that a macvlan reaches its own parent's address, or that the host reaches
    a macvlan of one of its interfaces: the kernel delivers nothing between a macvlan and its
    parent (measured), so the expectation fails whatever the lab does."""
    macvlans = [s for s in program.statements if isinstance(s, ir.Macvlan)]
    for expect in program.statements:
        if not isinstance(expect, (ir.ExpectPing, ir.ExpectConnect)) or expect.negated:
            continue
        source, target = expect.source_ns.text, expect.address.text.strip("[]")
        for macvlan in macvlans:
            parent = macvlan.parent.text
            parent_addresses = {str(i.address.ip) for i in symbols.interfaces
                                if i.owner == ir.HOST and i.ifname == parent and i.address is not None}
            if source == macvlan.namespace.text and target in parent_addresses:
                what = f"{source}'s macvlan {macvlan.name.text} reaches {target}, an address of its own parent {parent}"
            elif source == ir.HOST and target in {w.text.split("/")[0] for w in macvlan.addresses}:
                what = f"the host reaches {target}, the address of {macvlan.namespace.text}'s macvlan of its {parent}"
            else:
                continue
            yield warning("W212", f"this expects that {what}: the kernel delivers nothing between a macvlan "
                          "and its parent", expect.address.span,
                          f"expect `no` here, or give the host a macvlan of its own on {parent} and reach "
                          "them through it (docs/language.md, macvlan)")


KINDS = (
    StatementKind(43, "macvlan", "macvlan", ir.Macvlan, transform,
                  (check_macvlans, check_parent_expectations, *checks.LINK_CHECKS),
                  lower, "### `macvlan"),
)
