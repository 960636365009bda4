"""`vxlan [NS:]NAME id N remote ADDRESS [local ADDRESS] [dev IFNAME] [port N] [bridge BRIDGE]
[ip ADDRESS/PREFIX] [mtu N]`: a VXLAN device in the host or in a namespace (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lark import Token

from nsgen.compiler import checks, ir, plan
from nsgen.compiler.checks import namespace_word, port_range, single_address, unknown_name
from nsgen.compiler.diagnostics import Diagnostic, Span, error
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import Symbols, did_you_mean, interfaces_in, resolve_address
from nsgen.compiler.transform import ToIR

VNI_MAX = 2**24 - 1
"""A VXLAN network identifier has 24 bits."""

DEFAULT_PORT = 4789
"""IANA's VXLAN port. Written into every script: the kernel's own default is 8472."""

_FIELDS = {"VNI": "vni", "REMOTE": "remote", "LOCAL": "local", "DEV": "device", "PORT": "port", "BRIDGE": "bridge"}


def transform(self: ToIR, children: list[Any]) -> ir.Vxlan:
    """`vxlan [NS:]NAME OPTION...`: each option a keyword token and its value."""
    tokens = [c for c in children if isinstance(c, Token)]
    values: dict[str, Any] = {}
    options: list[ir.Option] = []
    names: list[ir.Word] = []
    index = 1
    while index < len(tokens):
        token = tokens[index]
        if token.type in _FIELDS:
            value = tokens[index + 1]
            options.append(ir.Option(str(token), Span(self.file, token.line or 0, token.column or 0,
                                                      value.end_column or 0)))
            number = token.type in ("VNI", "PORT")
            values.setdefault(_FIELDS[token.type], self.number(value) if number else self.word(value))
            index += 2
            continue
        if token.type == "NAME" and not options:
            names.append(self.word(token))
        index += 1
    link = self.options(children)
    return ir.Vxlan(*self.head(children), namespace=names[0] if len(names) > 1 else None, name=names[-1],
                    vni=values.get("vni"), remote=values.get("remote"), local=values.get("local"),
                    device=values.get("device"), port=values.get("port"), bridge=values.get("bridge"),
                    addresses=link["addresses"], mtu=link["mtu"], options=tuple(options) + link["options"])


def vxlans_of(program: ir.Program) -> Iterator[ir.Vxlan]:
    """The program's VXLAN devices."""
    return (s for s in program.statements if isinstance(s, ir.Vxlan))


def where_of(vxlan: ir.Vxlan) -> str:
    """The namespace the device is in, or `host`."""
    return vxlan.namespace.text if vxlan.namespace is not None else ir.HOST


def check_vxlans(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Its namespace, VNI, peer, port, underlay device and bridge; one address with a prefix."""
    for vxlan in vxlans_of(program):
        if vxlan.namespace is not None:
            yield from namespace_word(vxlan.namespace, symbols, "a vxlan")
        yield from _vni_and_peer(vxlan)
        if vxlan.port is not None:
            yield from port_range(vxlan.port)
        for word in (vxlan.remote, vxlan.local):
            if word is not None and (single_address(word) is None or "/" in word.text):
                yield error("E105", f"'{word.text}' is not a valid IPv4 address", word.span,
                            "an underlay address without prefix, e.g. 172.30.0.2")
        if vxlan.device is not None and where_of(vxlan) != ir.HOST and symbols.kind(where_of(vxlan)) == "ns" \
                and vxlan.device.text not in interfaces_in(symbols, where_of(vxlan)):
            names = sorted(interfaces_in(symbols, where_of(vxlan)))
            yield error("E144", f"'{where_of(vxlan)}' has no interface '{vxlan.device.text}'", vxlan.device.span,
                        did_you_mean(vxlan.device.text, names) or f"its interfaces are {', '.join(names)}")
        yield from _bridge(vxlan, symbols)
        yield from _own_name(vxlan, symbols)


def _vni_and_peer(vxlan: ir.Vxlan) -> Iterator[Diagnostic]:
    if vxlan.vni is None:
        yield error("E154", "a vxlan needs its network identifier", vxlan.name.span,
                    "add `id N` (0-16777215), the same on both ends of the tunnel")
    elif vxlan.vni.value > VNI_MAX:
        yield error("E155", f"VXLAN id {vxlan.vni.value} is outside 0-{VNI_MAX}", vxlan.vni.span,
                    "a VXLAN network identifier has 24 bits")
    if vxlan.remote is None:
        yield error("E156", "a vxlan needs the address of its peer", vxlan.name.span,
                    "add `remote ADDRESS`: the other end's underlay address (a multicast `group` is not "
                    "supported yet)")


def _bridge(vxlan: ir.Vxlan, symbols: Symbols) -> Iterator[Diagnostic]:
    if vxlan.bridge is None:
        return
    if vxlan.namespace is not None:
        yield error("E157", "a vxlan in a namespace cannot join a bridge yet", vxlan.bridge.span,
                    "bridges inside namespaces are not supported yet: give the vxlan an address "
                    "(`ip ADDRESS/PREFIX`), or put it in the host")
    elif symbols.kind(vxlan.bridge.text) != "bridge":
        yield unknown_name(vxlan.bridge, symbols, "bridge")
    elif vxlan.bridge.text in symbols.bridges and symbols.bridges[vxlan.bridge.text].ovs:
        yield error("E215", f"'{vxlan.bridge.text}' is an Open vSwitch bridge; a vxlan here joins a Linux bridge",
                    vxlan.bridge.span, "put the vxlan on a Linux bridge, and link that bridge to the Open vSwitch "
                    "one with a veth (`veth BRIDGE<->SWITCH`)")
    if vxlan.addresses:
        yield error("E117", "a vxlan on a bridge takes no address", vxlan.addresses[0].span,
                    f"give the address to the bridge: `bridge {vxlan.bridge.text} ip ADDRESS/PREFIX`")


def _own_name(vxlan: ir.Vxlan, symbols: Symbols) -> Iterator[Diagnostic]:
    """E114 for a name another lab interface has in the same place; E158 for a second VXLAN with
    the same id and port there (the kernel refuses it)."""
    where = where_of(vxlan)
    for other in symbols.interfaces:
        if other.statement is vxlan:
            break
        if other.owner != where or isinstance(other.statement, ir.Address):
            continue
        if other.ifname == vxlan.name.text:
            yield error("E114", f"interface name '{vxlan.name.text}' is used twice in "
                        f"{'the host' if where == ir.HOST else repr(where)}", vxlan.name.span,
                        f"also used at {other.statement.origin}: `{other.statement.source}`")
        elif isinstance(other.statement, ir.Vxlan) and _key(other.statement) == _key(vxlan) and vxlan.vni:
            yield error("E158", f"a second vxlan with id {vxlan.vni.value} and port {_key(vxlan)[1]} here",
                        vxlan.name.span, f"the first is at {other.statement.origin}: `{other.statement.source}`; "
                        "one id and port take one device per namespace: give this one another `id` or `port`")


def _key(vxlan: ir.Vxlan) -> tuple[int | None, int]:
    return (vxlan.vni.value if vxlan.vni else None, vxlan.port.value if vxlan.port else DEFAULT_PORT)


def lower(statement: ir.Vxlan, context: Context) -> Iterator[plan.Vxlan]:
    """The device; in a namespace it gets `addrgenmode none` as veth ends do (`quiet`)."""
    assert statement.vni is not None and statement.remote is not None
    address = resolve_address(statement.addresses[0].text, context.symbols, None) if statement.addresses else None
    yield plan.Vxlan(
        netns=statement.namespace.text if statement.namespace else None, ifname=statement.name.text,
        vni=statement.vni.value, remote=statement.remote.text, local=statement.local.text if statement.local else None,
        device=statement.device.text if statement.device else None,
        port=statement.port.value if statement.port else DEFAULT_PORT,
        master=statement.bridge.text if statement.bridge else None, address=str(address) if address else None,
        mtu=statement.mtu.value if statement.mtu else None, origin=origin_of(statement),
        addrgenmode="none" if context.quiet and statement.namespace is not None else None)


KINDS = (
    StatementKind(42, "vxlan", "vxlan", ir.Vxlan, transform,
                  (check_vxlans, *checks.LINK_CHECKS),
                  lower, "### `vxlan"),
)
