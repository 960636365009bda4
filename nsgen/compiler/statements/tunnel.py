"""`gre|gretap|ipip [NS:]NAME remote ADDRESS [local ADDRESS] [dev IFNAME] [key N] [ttl N]
[bridge BRIDGE] [ip ADDRESS/PREFIX] [mtu N]`: a point-to-point IPv4 tunnel in the host or in a
namespace (issue 14), the shape of `vxlan`. `gre` and `ipip` carry IP packets (L3: addresses, no
bridge); `gretap` carries Ethernet frames (L2: a bridge port like a vxlan, or an address). The
three share this module: one option set, one set of checks, one plan item (`plan.Tunnel`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lark import Token

from nsgen.compiler import checks, ir, plan
from nsgen.compiler.checks import bridge_port, earlier_interfaces, name_twice, namespace_word, single_address
from nsgen.compiler.diagnostics import Diagnostic, Span, error, warning
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import (
    Symbols,
    did_you_mean,
    family_of,
    interfaces_in,
    mtu_of,
    resolve_address,
    tunnel_overhead,
)
from nsgen.compiler.transform import ToIR

KEY_MAX = 2**32 - 1
"""A GRE key has 32 bits."""

TTL_MAX = 255
"""An IPv4 TTL has 8 bits; 0 is `inherit` (the inner packet's TTL), the kernel's default."""

FALLBACK_DEVICES = ("gre0", "gretap0", "erspan0", "tunl0")
"""The devices the kernel makes in every namespace once its GRE or ipip module is loaded: a lab
device with one of these names would collide with them ("File exists")."""

_FIELDS = {"REMOTE": "remote", "LOCAL": "local", "DEV": "device", "KEY": "key", "TTL": "ttl", "BRIDGE": "bridge"}


def _fields(self: ToIR, children: list[Any]) -> dict[str, Any]:
    """The fields of a tunnel statement: its place and name, each option's value, the link options."""
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
            number = token.type in ("KEY", "TTL")
            values.setdefault(_FIELDS[token.type], self.number(value) if number else self.word(value))
            index += 2
            continue
        if token.type == "NAME" and not options:
            names.append(self.word(token))
        index += 1
    link = self.options(children)
    return dict(namespace=names[0] if len(names) > 1 else None, name=names[-1], remote=values.get("remote"),
                local=values.get("local"), device=values.get("device"), key=values.get("key"),
                ttl=values.get("ttl"), bridge=values.get("bridge"), addresses=link["addresses"], mtu=link["mtu"],
                options=tuple(options) + link["options"])


def transform_gre(self: ToIR, children: list[Any]) -> ir.Gre:
    """`gre [NS:]NAME OPTION...`."""
    return ir.Gre(*self.head(children), **_fields(self, children))


def transform_gretap(self: ToIR, children: list[Any]) -> ir.Gretap:
    """`gretap [NS:]NAME OPTION...`."""
    return ir.Gretap(*self.head(children), **_fields(self, children))


def transform_ipip(self: ToIR, children: list[Any]) -> ir.Ipip:
    """`ipip [NS:]NAME OPTION...`."""
    return ir.Ipip(*self.head(children), **_fields(self, children))


def a_kind(tunnel: ir.Tunnel) -> str:
    """`a gre`, `a gretap`, `an ipip`."""
    return f"{'an' if isinstance(tunnel, ir.Ipip) else 'a'} {kind_of(tunnel)}"


def kind_of(tunnel: ir.Tunnel) -> str:
    """`gre`, `gretap` or `ipip`: its keyword, and the link type `ip` makes."""
    return type(tunnel).__name__.lower()


def tunnels_of(program: ir.Program) -> Iterator[ir.Tunnel]:
    """The program's GRE, gretap and ipip devices."""
    return (s for s in program.statements if isinstance(s, ir.Tunnel))


def where_of(tunnel: ir.Tunnel) -> str:
    """The namespace the device is in, or `host`."""
    return tunnel.namespace.text if tunnel.namespace is not None else ir.HOST


def check_tunnels(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Its namespace, name, peer and local address (IPv4), key, TTL, underlay device and bridge."""
    for tunnel in tunnels_of(program):
        if tunnel.namespace is not None:
            yield from namespace_word(tunnel.namespace, symbols, a_kind(tunnel))
        if tunnel.name.text in FALLBACK_DEVICES:
            yield error("E267", f"'{tunnel.name.text}' is the name of a device the kernel makes itself",
                        tunnel.name.span, f"the kernel makes {', '.join(FALLBACK_DEVICES)} in every namespace "
                        f"once its GRE or ipip module is loaded: pick another name, e.g. '{kind_of(tunnel)}1'")
        yield from _underlay(tunnel)
        yield from _key_and_ttl(tunnel)
        if tunnel.device is not None and where_of(tunnel) != ir.HOST and symbols.kind(where_of(tunnel)) == "ns" \
                and tunnel.device.text not in interfaces_in(symbols, where_of(tunnel)):
            names = sorted(interfaces_in(symbols, where_of(tunnel)))
            yield error("E144", f"'{where_of(tunnel)}' has no interface '{tunnel.device.text}'", tunnel.device.span,
                        did_you_mean(tunnel.device.text, names) or f"its interfaces are {', '.join(names)}")
        elif tunnel.device is not None and tunnel.device.text == tunnel.name.text:
            yield error("E144", f"'{tunnel.name.text}' cannot be its own underlay device", tunnel.device.span,
                        "name the interface its packets leave by (a veth end, or the host's uplink), or drop `dev`")
        yield from _bridge(tunnel, symbols)
        yield from _own_name(tunnel, symbols)


def _underlay(tunnel: ir.Tunnel) -> Iterator[Diagnostic]:
    """E260 without `remote`; E105 for a bad address; E264 for an IPv6 one (so two families are E264 too);
    E268 for an IPv6 address on an ipip, which carries IPv4 only."""
    kind = kind_of(tunnel)
    if tunnel.remote is None:
        yield error("E260", f"{a_kind(tunnel)} needs the address of its peer", tunnel.name.span,
                    "add `remote ADDRESS` (the other end's underlay address; `local ADDRESS` is this end's)")
    for word in (tunnel.remote, tunnel.local):
        if word is None:
            continue
        if single_address(word) is None or "/" in word.text:
            yield error("E105", f"'{word.text}' is not a valid IP address", word.span,
                        "an underlay address without prefix, e.g. 172.30.0.2")
        elif family_of(word.text) == 6:
            other = "ip6gre" if kind == "gre" else "ip6gretap" if kind == "gretap" else "ip6tnl"
            carries = "" if isinstance(tunnel, ir.Ipip) else "; the tunnel itself may carry IPv6"
            yield error("E264", f"{word.text} is an IPv6 address: {a_kind(tunnel)} runs over IPv4", word.span,
                        f"give the underlay IPv4 addresses (the kernel's {other}, a tunnel over IPv6, is not "
                        f"supported by nsgen yet){carries}")
    if isinstance(tunnel, ir.Ipip):
        for address in tunnel.addresses:
            if family_of(address.text) == 6:
                yield error("E268", f"{address.text} is an IPv6 address: an ipip tunnel carries IPv4 only",
                            address.span, "give it an IPv4 address; for IPv6 across, use `gre` (it carries both)")


def _key_and_ttl(tunnel: ir.Tunnel) -> Iterator[Diagnostic]:
    """E262 for a key on ipip (it has none); E261 for a key over 32 bits; E266 for a TTL over 255."""
    if tunnel.key is not None and isinstance(tunnel, ir.Ipip):
        yield error("E262", "an ipip tunnel has no key", tunnel.key.span,
                    "drop `key`; to tell tunnels between the same two addresses apart, use `gre ... key N`")
    elif tunnel.key is not None and tunnel.key.value > KEY_MAX:
        yield error("E261", f"GRE key {tunnel.key.value} is outside 0-{KEY_MAX}", tunnel.key.span,
                    "a GRE key has 32 bits; both ends use the same one")
    if tunnel.ttl is not None and tunnel.ttl.value > TTL_MAX:
        yield error("E266", f"ttl {tunnel.ttl.value} is outside 0-{TTL_MAX}", tunnel.ttl.span,
                    "an IPv4 TTL is 1-255; 0 (the default) copies the inner packet's TTL")


def _bridge(tunnel: ir.Tunnel, symbols: Symbols) -> Iterator[Diagnostic]:
    """E263 for a bridge on an L3 tunnel; for a gretap, the bridge checks of a vxlan."""
    if tunnel.bridge is None:
        return
    if not isinstance(tunnel, ir.Gretap):
        yield error("E263", f"{a_kind(tunnel)} tunnel carries IP packets, not Ethernet frames: it cannot "
                    "join a bridge", tunnel.bridge.span,
                    f"give it an address (`ip ADDRESS/PREFIX`) and route through it, or use "
                    f"`gretap {tunnel.source.split()[1]} ... bridge {tunnel.bridge.text}` (GRE carrying Ethernet)")
        return
    yield from bridge_port("gretap", tunnel.namespace, tunnel.bridge, tunnel.addresses, symbols)


def _own_name(tunnel: ir.Tunnel, symbols: Symbols) -> Iterator[Diagnostic]:
    """E114 for a name another lab interface has in the same place; E265 for a second tunnel of the
    same kind with the same addresses, key and device there (the kernel refuses it: "File exists")."""
    where = where_of(tunnel)
    for other in earlier_interfaces(tunnel, where, symbols):
        if other.ifname == tunnel.name.text:
            yield name_twice(tunnel.name, where, other)
        elif isinstance(other.statement, ir.Tunnel) and type(other.statement) is type(tunnel) \
                and tunnel.remote is not None and _key(other.statement) == _key(tunnel):
            yield error("E265", f"a second {kind_of(tunnel)} to {tunnel.remote.text} with the same local address, "
                        "key and device here", tunnel.name.span,
                        f"the first is at {other.statement.origin}: `{other.statement.source}`; the kernel tells "
                        f"tunnels of one kind apart by their addresses, key and device: give this one another "
                        f"`local`{' or `key`' if not isinstance(tunnel, ir.Ipip) else ''}")


def _key(tunnel: ir.Tunnel) -> tuple[str | None, str | None, int | None, str | None]:
    return (tunnel.remote.text if tunnel.remote else None, tunnel.local.text if tunnel.local else None,
            tunnel.key.value if tunnel.key else None, tunnel.device.text if tunnel.device else None)


def check_tunnel_mtu(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """W260: a tunnel whose `mtu` leaves its underlay too little room for the tunnel's headers: a
    bigger packet, once wrapped, does not fit the underlay."""
    for tunnel in tunnels_of(program):
        if tunnel.mtu is None or tunnel.device is None:
            continue
        underlay = mtu_of(where_of(tunnel), tunnel.device.text, symbols)
        overhead = tunnel_overhead(tunnel)
        if underlay is not None and tunnel.mtu.value + overhead > underlay:
            yield warning("W260", f"{kind_of(tunnel)} MTU {tunnel.mtu.value} needs an underlay MTU of "
                          f"{tunnel.mtu.value + overhead}; '{tunnel.device.text}' has {underlay}",
                          tunnel.mtu.span, f"packets over {underlay - overhead} bytes do not fit once wrapped "
                          f"({kind_of(tunnel)}{' with a key' if tunnel.key else ''} adds {overhead}): give it "
                          f"`mtu {underlay - overhead}`, or the underlay `mtu {tunnel.mtu.value + overhead}`")


def lower(statement: ir.Tunnel, context: Context) -> Iterator[plan.Tunnel]:
    """The device; in a namespace it gets `addrgenmode none` as veth ends do (`quiet`)."""
    assert statement.remote is not None
    address = resolve_address(statement.addresses[0].text, context.symbols, None) if statement.addresses else None
    yield plan.Tunnel(
        netns=statement.namespace.text if statement.namespace else None, ifname=statement.name.text,
        kind=kind_of(statement), remote=statement.remote.text,
        local=statement.local.text if statement.local else None,
        device=statement.device.text if statement.device else None,
        key=statement.key.value if statement.key else None, ttl=statement.ttl.value if statement.ttl else None,
        master=statement.bridge.text if statement.bridge else None, address=str(address) if address else None,
        mtu=statement.mtu.value if statement.mtu else None, origin=origin_of(statement),
        addrgenmode="none" if context.quiet and statement.namespace is not None else None)


_CHECKS = (check_tunnels, check_tunnel_mtu, *checks.LINK_CHECKS)

KINDS = (
    StatementKind(41, "gre", "gre", ir.Gre, transform_gre, _CHECKS, lower, "### `gre|gretap|ipip"),
    StatementKind(41, "gretap", "gretap", ir.Gretap, transform_gretap, _CHECKS, lower, "### `gre|gretap|ipip"),
    StatementKind(41, "ipip", "ipip", ir.Ipip, transform_ipip, _CHECKS, lower, "### `gre|gretap|ipip"),
)
