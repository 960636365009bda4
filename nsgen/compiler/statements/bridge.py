"""`bridge [NS:]NAME [type linux|ovs] [ip ADDRESS/PREFIX] [mtu N]`: a Linux bridge in the host (or
inside namespace NS), or an Open vSwitch bridge (`type ovs`, in the host)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lark import Token

from nsgen.compiler import checks, ir, plan
from nsgen.compiler.diagnostics import Diagnostic, error, warning
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import DEFAULT_MTU, IPNetwork, Symbols, network_of, resolve_address, vxlan_mtu
from nsgen.compiler.transform import ToIR


def transform(self: ToIR, children: list[Any]) -> ir.Bridge:
    """`bridge NAME OPTION...` (`type T`: the NAME token after TYPE)."""
    kinds = [self.word(children[i + 1]) for i, c in enumerate(children)
             if isinstance(c, Token) and c.type == "TYPE"]
    inside = len(children) > 3 and isinstance(children[2], Token) and str(children[2]) == ":"  # `bridge NS:NAME`
    name = self.word(children[3] if inside else children[1])
    return ir.Bridge(*self.head(children), name=name, **self.options(children), type=kinds[0] if kinds else None,
                     types=tuple(kinds), namespace=self.word(children[1]) if inside else None)


BRIDGE_TYPES = ("linux", "ovs")


def check_bridge_type(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """`type` is `linux` or `ovs`, given once."""
    for statement in program.statements:
        if not isinstance(statement, ir.Bridge):
            continue
        for word in statement.types[1:]:
            yield error("E212", "the bridge's type is given twice", word.span, "give `type` once")
        if statement.type is not None and statement.type.text not in BRIDGE_TYPES:
            yield error("E212", f"'{statement.type.text}' is not a bridge type", statement.type.span,
                        "`type linux` (a Linux bridge, the default) or `type ovs` (an Open vSwitch bridge)")
        elif statement.ovs and statement.namespace is not None:
            yield error("E217", "an Open vSwitch bridge lives in the host, not in a namespace",
                        statement.namespace.span,
                        f"make it `bridge {statement.name.text} type ovs` and plug the namespace into it with a veth")
        where = statement.namespace.text if statement.namespace is not None else None
        if statement.namespace is not None and where == ir.HOST:
            yield error("E218", "a bridge in the host is written without `host:`", statement.namespace.span,
                        f"write `bridge {statement.name.text}`")
        elif statement.namespace is not None and symbols.kind(statement.namespace.text) != "ns":
            yield error("E218", f"'{where}' is not a namespace of the lab", statement.namespace.span,
                        f"declare it first (`ns {where}`), or leave `NS:` out for a bridge in the host")


def check_bridge_overlap(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Two bridges whose subnets overlap: the host could not tell where to send packets."""
    seen: list[tuple[str, IPNetwork]] = []
    for name, networks in symbols.bridge_subnets.items():
        for network in networks:
            for other, other_network in seen:
                if other != name and network.version == other_network.version and network.overlaps(other_network) \
                        and _home(name) == _home(other):
                    word = next(w for w in symbols.bridges[name].addresses if network_of(w.text, strict=False)
                                == network)
                    message = f"bridge '{name}' subnet {network} overlaps bridge '{other}' subnet {other_network}"
                    yield error("E108", message, word.span, "give each bridge its own subnet")
        seen += [(name, network) for network in networks]


def check_port_mtus(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """W211: a Linux bridge whose ports (veth ends, vxlans) have different MTUs: a frame that fits
    one port but not another is dropped there, silently (the bridge does not fragment)."""
    ports: dict[str, list[tuple[int, ir.Statement, ir.Word]]] = {}
    for statement in program.statements:
        if isinstance(statement, ir.Veth):
            for end in (statement.left, statement.right):
                if end.owner.text in symbols.bridges or end.owner.text in symbols.implicit_bridges:
                    mtu = statement.mtu.value if statement.mtu else DEFAULT_MTU
                    ports.setdefault(end.owner.text, []).append((mtu, statement, end.owner))
        elif isinstance(statement, ir.Vxlan) and statement.bridge is not None:
            vxlan_port = vxlan_mtu(statement, symbols)
            key = statement.bridge.text if statement.namespace is None \
                else f"{statement.namespace.text}:{statement.bridge.text}"
            if vxlan_port is not None:
                ports.setdefault(key, []).append((vxlan_port, statement, statement.bridge))
    for name, found in ports.items():
        bridge = symbols.bridges.get(name)
        if bridge is not None and bridge.ovs:
            continue
        first_mtu, first, _ = found[0]
        for mtu, statement, word in found[1:]:
            if mtu != first_mtu:
                yield warning("W211", f"bridge '{name}' gets ports of MTU {first_mtu} and {mtu}", word.span,
                              f"the first is at {first.origin}: `{first.source}`; frames that fit one port and "
                              f"not the other are dropped there: give the ports one MTU (`mtu {min(mtu, first_mtu)}`"
                              f"{' on the veths' if isinstance(statement, ir.Veth) else ''})")
                break


def _home(key: str) -> str | None:
    """The namespace of a bridge named `NS:NAME`, None for one in the host."""
    return key.split(":", 1)[0] if ":" in key else None


def lower(statement: ir.Bridge, context: Context) -> Iterator[plan.Bridge]:
    """A declared bridge (its first declaration) with its address, prefix resolved, and MTU."""
    key = statement.key
    if context.symbols.bridges.get(key) is not statement:
        return
    addresses = tuple(str(resolve_address(word.text, context.symbols, key)) for word in statement.addresses)
    mtu = statement.mtu.value if statement.mtu else None
    yield plan.Bridge(statement.name.text, addresses, mtu, False, origin_of(statement),
                      ovs=statement.ovs, netns=statement.namespace.text if statement.namespace else None,
                      addrgenmode="none" if statement.namespace and context.quiet and (mtu is None or mtu >= 1280)
                      else None)


KINDS = (
    StatementKind(30, "bridge", "bridge", ir.Bridge, transform,
                  (checks.check_duplicates, checks.check_reserved, check_bridge_overlap, check_bridge_type,
                   check_port_mtus, *checks.LINK_CHECKS),
                  lower, "### `bridge"),
)
