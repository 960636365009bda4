"""`vxlan [NS:]NAME id N remote ADDRESS[, ADDRESS...] [local ADDRESS] [dev IFNAME] [port N] [bridge BRIDGE]
[ip ADDRESS/PREFIX] [mtu N]`: a VXLAN device in the host or in a namespace (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lark import Token

from nsgen.compiler import checks, ir, plan
from nsgen.compiler.checks import (
    bridge_port,
    earlier_interfaces,
    name_twice,
    namespace_word,
    port_range,
    single_address,
)
from nsgen.compiler.diagnostics import Diagnostic, Span, error, warning
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import (
    VXLAN_OVERHEAD,
    Symbols,
    did_you_mean,
    family_of,
    interfaces_in,
    mtu_of,
    resolve_address,
)
from nsgen.compiler.transform import ToIR

VNI_MAX = 2**24 - 1
"""A VXLAN network identifier has 24 bits."""

DEFAULT_PORT = 4789
"""IANA's VXLAN port. Written into every script: the kernel's own default is 8472."""

_FIELDS = {"VNI": "vni", "REMOTE": "remote", "GROUP": "group", "LOCAL": "local", "DEV": "device", "PORT": "port",
           "BRIDGE": "bridge"}


def transform(self: ToIR, children: list[Any]) -> ir.Vxlan:
    """`vxlan [NS:]NAME OPTION...`: each option a keyword token and its value."""
    tokens = [c for c in children if isinstance(c, Token) and c.type != "COMMA"]
    values: dict[str, Any] = {}
    options: list[ir.Option] = []
    names: list[ir.Word] = []
    index = 1
    while index < len(tokens):
        token = tokens[index]
        if token.type in _FIELDS:
            value = tokens[index + 1]
            count = 1
            while token.type == "REMOTE" and index + 1 + count < len(tokens) \
                    and tokens[index + 1 + count].type == "ADDRESS":
                count += 1  # `remote A, B, ...`
            last = tokens[index + count]
            options.append(ir.Option(str(token), Span(self.file, token.line or 0, token.column or 0,
                                                      last.end_column or 0)))
            number = token.type in ("VNI", "PORT")
            values.setdefault(_FIELDS[token.type], self.number(value) if number else self.word(value))
            if token.type == "REMOTE":
                values.setdefault("remotes", tuple(self.word(t) for t in tokens[index + 1:index + 1 + count]))
            index += 1 + count
            continue
        if token.type == "NAME" and not options:
            names.append(self.word(token))
        index += 1
    link = self.options(children)
    return ir.Vxlan(*self.head(children), namespace=names[0] if len(names) > 1 else None, name=names[-1],
                    vni=values.get("vni"), remote=values.get("remote"), local=values.get("local"),
                    device=values.get("device"), port=values.get("port"), bridge=values.get("bridge"),
                    addresses=link["addresses"], mtu=link["mtu"], options=tuple(options) + link["options"],
                    group=values.get("group"), remotes=values.get("remotes", ()))


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
        for word in (*_remotes(vxlan), vxlan.local, vxlan.group):
            if word is not None and (single_address(word) is None or "/" in word.text):
                yield error("E105", f"'{word.text}' is not a valid IP address", word.span,
                            "an underlay address without prefix, e.g. 172.30.0.2 or fd00:30::2")
        yield from _remote_families(vxlan)
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
    if vxlan.remote is None and vxlan.group is None:
        yield error("E156", "a vxlan needs the address of its peer", vxlan.name.span,
                    "add `remote ADDRESS` (the other end's underlay address), or `group ADDRESS dev IFNAME` "
                    "(a multicast group all its peers join)")
    if vxlan.remote is not None and vxlan.group is not None:
        yield error("E220", "a vxlan has a `remote` or a `group`, not both", vxlan.group.span,
                    "one peer: `remote ADDRESS`; any number of peers: `group ADDRESS dev IFNAME`")
    group = single_address(vxlan.group) if vxlan.group is not None else None
    if vxlan.group is not None and group is not None and not group.is_multicast:
        yield error("E219", f"'{vxlan.group.text}' is not a multicast address", vxlan.group.span,
                    "a group is an IPv4 multicast address, 224.0.0.0-239.255.255.255 (239.0.0.0/8 for "
                    "a lab's own use, e.g. 239.1.1.1)")
    if vxlan.group is not None and vxlan.device is None:
        yield error("E221", "a vxlan with a multicast `group` needs its underlay device", vxlan.group.span,
                    "add `dev IFNAME`: the kernel joins the group on that interface (it refuses a group without one)")


def _remotes(vxlan: ir.Vxlan) -> tuple[ir.Word, ...]:
    """Its `remote` addresses (a statement made by nsgen itself may set only `remote`)."""
    return vxlan.remotes or ((vxlan.remote,) if vxlan.remote is not None else ())


def _remote_families(vxlan: ir.Vxlan) -> Iterator[Diagnostic]:
    """E170 for underlay addresses of two families; E239 for a remote given twice; E240 for several
    IPv6 remotes without an IPv6 `local` (the kernel takes IPv6 forwarding entries only on a device
    it made for IPv6, which with no single remote only `local` tells it)."""
    valid = [w for w in (*_remotes(vxlan), vxlan.local) if w is not None and single_address(w) is not None
             and "/" not in w.text]
    first = valid[0] if valid else None
    for word in valid[1:]:
        assert first is not None
        if family_of(word.text) != family_of(first.text):
            yield error("E170", f"{first.text} and {word.text} are of different families", word.span,
                        "the underlay is one family: every remote and the local address IPv4, or all IPv6")
            return
    seen: set[str] = set()
    for word in _remotes(vxlan):
        address = single_address(word)
        if address is not None and str(address) in seen:
            yield error("E239", f"remote {word.text} is given twice", word.span,
                        "each peer once: `remote A, B, ...`")
        seen.add(str(address))
    if len(_remotes(vxlan)) > 1 and vxlan.local is None and first is not None and family_of(first.text) == 6:
        yield error("E240", "a vxlan with several IPv6 remotes needs its `local` address", vxlan.remotes[1].span,
                    "add `local ADDRESS` (this end's IPv6 underlay address): without one remote to go by, "
                    "the kernel makes the device for IPv4 and refuses IPv6 peers")


def _bridge(vxlan: ir.Vxlan, symbols: Symbols) -> Iterator[Diagnostic]:
    if vxlan.bridge is not None:
        yield from bridge_port("vxlan", vxlan.namespace, vxlan.bridge, vxlan.addresses, symbols)


def check_vxlan_mtu(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """W210: a vxlan whose `mtu` leaves its underlay too little room for the VXLAN overhead: bigger
    frames, once wrapped, do not fit the underlay and are dropped."""
    for vxlan in vxlans_of(program):
        if vxlan.mtu is None or vxlan.device is None:
            continue
        underlay = mtu_of(where_of(vxlan), vxlan.device.text, symbols)
        if underlay is not None and vxlan.mtu.value + VXLAN_OVERHEAD > underlay:
            yield warning("W210", f"vxlan MTU {vxlan.mtu.value} needs an underlay MTU of "
                          f"{vxlan.mtu.value + VXLAN_OVERHEAD}; '{vxlan.device.text}' has {underlay}",
                          vxlan.mtu.span, f"frames over {underlay - VXLAN_OVERHEAD} bytes do not fit once wrapped "
                          f"(VXLAN adds {VXLAN_OVERHEAD}) and are dropped: give the vxlan `mtu "
                          f"{underlay - VXLAN_OVERHEAD}`, or the underlay `mtu {vxlan.mtu.value + VXLAN_OVERHEAD}`")


def bridge_key(vxlan: ir.Vxlan) -> str | None:
    """How the lab names the bridge a vxlan joins: `BRIDGE`, or `NS:BRIDGE` for a vxlan in NS."""
    if vxlan.bridge is None:
        return None
    return f"{vxlan.namespace.text}:{vxlan.bridge.text}" if vxlan.namespace else vxlan.bridge.text


def _own_name(vxlan: ir.Vxlan, symbols: Symbols) -> Iterator[Diagnostic]:
    """E114 for a name another lab interface has in the same place; E158 for a second VXLAN with
    the same id and port there (the kernel refuses it)."""
    where = where_of(vxlan)
    for other in earlier_interfaces(vxlan, where, symbols):
        if other.ifname == vxlan.name.text:
            yield name_twice(vxlan.name, where, other)
        elif isinstance(other.statement, ir.Vxlan) and _key(other.statement) == _key(vxlan) and vxlan.vni:
            yield error("E158", f"a second vxlan with id {vxlan.vni.value} and port {_key(vxlan)[1]} here",
                        vxlan.name.span, f"the first is at {other.statement.origin}: `{other.statement.source}`; "
                        "one id and port take one device per namespace: give this one another `id` or `port`")


def _key(vxlan: ir.Vxlan) -> tuple[int | None, int]:
    return (vxlan.vni.value if vxlan.vni else None, vxlan.port.value if vxlan.port else DEFAULT_PORT)


def lower(statement: ir.Vxlan, context: Context) -> Iterator[plan.Vxlan]:
    """The device (with several remotes: no `remote`, a forwarding entry per peer instead); in a
    namespace it gets `addrgenmode none` as veth ends do (`quiet`)."""
    assert statement.vni is not None and (statement.remote is not None or statement.group is not None)
    address = resolve_address(statement.addresses[0].text, context.symbols, None) if statement.addresses else None
    yield plan.Vxlan(
        netns=statement.namespace.text if statement.namespace else None, ifname=statement.name.text,
        vni=statement.vni.value, remote=_remotes(statement)[0].text if len(_remotes(statement)) == 1 else None,
        fdb=tuple(w.text for w in _remotes(statement)) if len(_remotes(statement)) > 1 else (),
        group=statement.group.text if statement.group else None,
        local=statement.local.text if statement.local else None,
        device=statement.device.text if statement.device else None,
        port=statement.port.value if statement.port else DEFAULT_PORT,
        master=statement.bridge.text if statement.bridge else None, address=str(address) if address else None,
        mtu=statement.mtu.value if statement.mtu else None, origin=origin_of(statement),
        addrgenmode="none" if context.quiet and statement.namespace is not None else None)


KINDS = (
    StatementKind(42, "vxlan", "vxlan", ir.Vxlan, transform,
                  (check_vxlans, check_vxlan_mtu, *checks.LINK_CHECKS),
                  lower, "### `vxlan"),
)
