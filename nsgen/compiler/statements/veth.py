"""`veth A<->B [ip ADDRESS[, ADDRESS]] [mac MAC[, MAC]] [mtu N] [tag N | trunk N,M]`: a veth pair between
namespaces, bridges (two bridges too) and the host; `tag`/`trunk` make its bridge ends VLAN ports
(Open vSwitch ports, or ports of a Linux bridge with VLAN filtering)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from nsgen.compiler import checks, ir, plan
from nsgen.compiler.checks import veths_of
from nsgen.compiler.diagnostics import Diagnostic, error, warning
from nsgen.compiler.resolve import Context, PlanItem, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import (
    Symbols,
    addressed_ends,
    bare_name,
    bridge_of,
    did_you_mean,
    end_home,
    end_ifnames,
    family_of,
    link_local_of,
    resolve_address,
)
from nsgen.compiler.transform import ToIR

IPV6_MIN_MTU = 1280
"""Below this MTU the kernel runs no IPv6 on an interface, so there is no mode to set."""


def transform(self: ToIR, children: list[Any]) -> ir.Veth:
    """`veth END<->END OPTION...` (each end from the `veth_end` rule)."""
    left, right = (c for c in children if isinstance(c, ir.VethEnd))
    return ir.Veth(*self.head(children), left=left, right=right, **self.options(children), macs=self.macs(children),
                   tag=self.vlans(children, "tag"), trunks=self.vlans(children, "trunk"))


def check_veth_ends(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Veth ends: implied bridges (warning), `outside`, and a veth from a thing to itself."""
    for veth in veths_of(program):
        left, right = veth.left.owner.text, veth.right.owner.text
        for end in (veth.left, veth.right):
            name = end.owner.text
            if name == ir.OUTSIDE:
                yield error("E102", "'outside' is the LAN that `nsgen test` adds; a lab cannot plug into it",
                            end.owner.span, "connect the host instead: the uplink is the host's eth0")
            elif name in symbols.implicit_bridges and name not in symbols.bridges \
                    and symbols.implicit_bridges[name] is veth:
                close = did_you_mean(name, list(symbols.namespaces) + list(symbols.bridges))
                declare = f"declare it to give it an address: `bridge {name} ip ADDRESS/PREFIX`"
                hint = f"{close} If not, {declare}" if close else declare
                yield warning("W116", f"'{name}' is not declared; it becomes a bridge", end.owner.span, hint)
        if left == right:
            yield error("E113", f"veth connects '{left}' to itself", veth.right.owner.span,
                        "a veth joins two different namespaces, or a namespace and a bridge")


VLAN_MIN, VLAN_MAX = 1, 4094
"""The VLAN ids a port can carry (0 and 4095 are reserved by 802.1Q)."""


def is_ovs(name: str, symbols: Symbols) -> bool:
    """True when `name` is a bridge declared `type ovs`."""
    bridge = symbols.bridges.get(name)
    return bridge is not None and bridge.ovs


def check_vlan_options(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """`tag` and `trunk` make VLAN ports of a veth's bridge ends (Open vSwitch, or Linux bridges,
    which then filter VLANs): VLANs are 1-4094, a tag is one VLAN, a trunk links two bridges, and a
    port is one or the other. (`E152`, which refused them without an Open vSwitch end, is retired.)"""
    for veth in veths_of(program):
        if any(o.keyword in ("tag", "trunk") for o in veth.options):
            yield from _check_vlans(veth, symbols)


def address_vlans(program: ir.Program, symbols: Symbols) -> dict[str, dict[int, ir.Veth]]:
    """For each Linux bridge, the VLANs whose access ports (`tag N`) lead to an address in one of
    the bridge's own subnets, each with the first veth that shows it: the VLAN the bridge's own
    address is in (none: VLAN 1, with the untagged ports)."""
    found: dict[str, dict[int, ir.Veth]] = {}
    for veth, bridge in _subnet_ports(program, symbols):
        if veth.tag:
            found.setdefault(bridge, {}).setdefault(veth.tag[0].value, veth)
    return found


def _subnet_ports(program: ir.Program, symbols: Symbols) -> Iterator[tuple[ir.Veth, str]]:
    """The veths into a Linux bridge whose other end has an address in one of the bridge's subnets."""
    for veth in veths_of(program):
        bridge = bridge_of(veth, symbols)
        if bridge is None or is_ovs(bridge, symbols):
            continue
        subnets = symbols.bridge_subnets.get(bridge, [])
        for _end, word in addressed_ends(veth, symbols):
            address = resolve_address(word.text, symbols, bridge)
            if address is not None and any(address.ip in subnet for subnet in subnets):
                yield veth, bridge
                break


def check_bridge_address_vlan(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """E223: a Linux bridge's own addresses are in one VLAN (its `pvid` on itself); access ports of
    two VLANs leading into its subnets would need two. W223: an untagged port (VLAN 1) leading into
    its subnets, where the bridge's address is in another VLAN, cannot reach it."""
    vlans_of = address_vlans(program, symbols)
    for veth, bridge in _subnet_ports(program, symbols):
        if not veth.tag and not veth.trunks and len(vlans_of.get(bridge, {})) == 1:
            vlan = next(iter(vlans_of[bridge]))
            yield warning("W223", f"this untagged port of bridge '{bridge}' is in VLAN 1, and the bridge's own "
                          f"address is in VLAN {vlan}", veth.span,
                          f"its address is in the bridge's subnet, but frames of VLAN 1 never reach the bridge "
                          f"itself: give this veth `tag {vlan}`, or give it an address in another subnet")
    for bridge, vlans in vlans_of.items():
        (first, first_veth), *others = vlans.items()
        for vlan, veth in others:
            yield error("E223", f"bridge '{bridge}' would need an address in VLAN {first} and in VLAN {vlan}",
                        veth.tag[0].span,
                        f"its subnet holds addresses of access ports in both (VLAN {first} at "
                        f"{first_veth.origin}); the bridge itself is in one VLAN: give each VLAN its own "
                        "subnet, and the bridge an address in one of them")


def _check_vlans(veth: ir.Veth, symbols: Symbols) -> Iterator[Diagnostic]:
    for number in (*veth.tag, *veth.trunks):
        if not VLAN_MIN <= number.value <= VLAN_MAX:
            yield error("E210", f"VLAN {number.value} is outside {VLAN_MIN}-{VLAN_MAX}", number.span,
                        "802.1Q VLAN ids run from 1 to 4094 (0 and 4095 are reserved)")
    for extra in veth.tag[1:]:
        yield error("E214", "an access port is in one VLAN", extra.span,
                    "give `tag` one VLAN; for several, link two bridges with `trunk N,M`")
    if veth.tag and bridge_of(veth, symbols) is None:
        yield error("E224", "`tag` makes a bridge's port an access port, and this veth has no bridge end",
                    veth.tag[0].span, "plug the namespace into a bridge (`veth red<->br0 ... tag 10`), or leave "
                    "`tag` out: a namespace end sends and gets untagged frames")
    if veth.tag and veth.trunks:
        yield error("E213", "a port is an access port (`tag`) or a trunk (`trunk`), not both", veth.trunks[0].span,
                    "leave one of them out")
    if veth.trunks:
        for end in (veth.left, veth.right):
            if (symbols.kind(end.owner.text) or "bridge") != "bridge":
                yield error("E211", f"a trunk needs a bridge at both ends; '{end.owner.text}' is not a bridge",
                            veth.trunks[0].span,
                            "carry VLANs between two bridges (`veth sw0<->sw1 trunk 10,20`); give a namespace "
                            "an access port instead (`tag N`): this kernel has no VLAN sub-interfaces")
                break


def check_bridge_loops(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Veths between bridges must not close a loop: Linux bridges run no STP here, so a loop would
    flood broadcast frames around it for ever."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.get(name, name) != name:
            name = parent[name]
        return name

    for veth in veths_of(program):
        left, right = veth.left.owner.text, veth.right.owner.text
        if left == right or not (symbols.kind(left) or "bridge") == (symbols.kind(right) or "bridge") == "bridge":
            continue
        if root(left) == root(right):
            yield error("E153", f"this veth closes a loop of bridges through '{left}' and '{right}'", veth.span,
                        "Linux bridges here run no spanning tree, so frames would circle for ever: "
                        "leave one link of the loop out")
        else:
            parent[root(left)] = root(right)


MAC = re.compile(r"[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}")


def mac_ends(veth: ir.Veth, symbols: Symbols) -> list[tuple[ir.VethEnd, ir.Word]]:
    """Which end gets which MAC: in order, except that toward a bridge the first goes to the other
    end (the namespace's, as with `ip`); extra MACs are left out (`check_macs` reports them)."""
    ends = [veth.left, veth.right]
    if (symbols.kind(veth.left.owner.text) or "bridge") == "bridge":
        ends.reverse()
    return list(zip(ends, veth.macs, strict=False))


def check_macs(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """MACs are six hex pairs, unicast and not all zero, at most one per end, and none given twice."""
    seen: dict[str, ir.Word] = {}
    for veth in veths_of(program):
        for extra in veth.macs[2:]:
            yield error("E117", "this MAC address has no end to go on", extra.span,
                        "a veth takes at most one MAC per end: `mac M1, M2`")
        for word in veth.macs[:2]:
            if not MAC.fullmatch(word.text):
                yield error("E149", f"'{word.text}' is not a MAC address", word.span,
                            "six two-digit hex numbers joined by ':', e.g. 02:00:00:00:00:01 (02: a locally "
                            "administered address, which no hardware has)")
                continue
            octets = [int(part, 16) for part in word.text.split(":")]
            if octets[0] & 1 or not any(octets):
                what = "a multicast address (the first octet is odd)" if octets[0] & 1 else "all zeros"
                yield error("E149", f"MAC {word.text} is {what}; no interface can have it", word.span,
                            "use a unicast, locally administered address: the first octet even with its "
                            "second bit set, e.g. 02:00:00:00:00:01")
                continue
            key = word.text.lower()
            if key in seen:
                yield error("E151", f"MAC {word.text} is given twice", word.span,
                            f"it is already used at {seen[key].span}; on one link (a bridge, a veth) two equal "
                            "MACs make frames go astray")
            else:
                seen[key] = word


def check_link_local_clash(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """E176: two namespace ends on one link (a bridge, or the pair itself) whose first IPv6
    addresses have one interface part would get one link-local address (nsgen derives it from
    that part, and adds it with `nodad`, so the kernel would not notice). Not with `ipv6 link-local`,
    where the kernel makes them from the MACs."""
    if any(isinstance(s, ir.Ipv6) for s in program.statements):
        return
    seen: dict[tuple[str, str], ir.Word] = {}
    for veth in veths_of(program):
        link = bridge_of(veth, symbols) or f"\0{id(veth)}"
        if veth.mtu is not None and veth.mtu.value < IPV6_MIN_MTU:
            continue
        firsts: dict[int, ir.Word] = {}
        for end, word in addressed_ends(veth, symbols):
            if symbols.kind(end.owner.text) == "ns" and family_of(word.text) == 6:
                firsts.setdefault(id(end), word)
        for word in firsts.values():
            address = resolve_address(word.text, symbols, bridge_of(veth, symbols))
            if address is None or address.version != 6:
                continue
            key = (link, link_local_of(str(address)))
            first = resolve_address(seen[key].text, symbols, bridge_of(veth, symbols)) if key in seen else None
            if key in seen and first is not None and first.ip != address.ip:  # the same address twice is E107
                where = f"bridge '{link}'" if not link.startswith("\0") else "this veth's link"
                yield error("E176", f"on {where}, {word.text} and {seen[key].text} (at {seen[key].span}) would "
                            f"both get the link-local address {key[1]}", word.span,
                            "nsgen gives each namespace end fe80:: and the interface part (the last 64 bits) of "
                            "its first IPv6 address: make those parts differ, or add `ipv6 link-local`")
            seen.setdefault(key, word)


def lower(statement: ir.Veth, context: Context) -> Iterator[PlanItem]:
    """The pair, after the bridge its end names if no `bridge` line declares it."""
    symbols = context.symbols
    for end in (statement.left, statement.right):
        name = end.owner.text
        if name not in symbols.bridges and symbols.implicit_bridges.get(name) is statement:
            yield plan.Bridge(name, (), None, True, origin_of(statement))
    yield _pair(statement, symbols, context.quiet)


def _pair(veth: ir.Veth, symbols: Symbols, quiet: bool) -> plan.Veth:
    """`quiet`: ends in namespaces get `addrgenmode none` (no IPv6 link-local address; see
    docs/language.md, `ipv6 link-local`), unless their MTU is too small for IPv6 anyway."""
    names = dict(zip((id(veth.left), id(veth.right)), end_ifnames(veth, symbols), strict=True))
    bridge = bridge_of(veth, symbols)
    addresses: dict[int, tuple[str, ...]] = {}
    for taker, word in sorted(addressed_ends(veth, symbols), key=lambda pair: family_of(pair[1].text) or 4):
        addresses[id(taker)] = (*addresses.get(id(taker), ()), str(resolve_address(word.text, symbols, bridge)))
    mode = "none" if quiet and (veth.mtu is None or veth.mtu.value >= IPV6_MIN_MTU) else None
    macs = {id(end): word.text.lower() for end, word in mac_ends(veth, symbols)}

    def end(side: ir.VethEnd) -> plan.VethEnd:
        kind = symbols.kind(side.owner.text) or "bridge"
        netns = end_home(side.owner.text, symbols)
        ovs = side.owner.text if is_ovs(side.owner.text, symbols) else None
        port = kind == "bridge"  # the end is a port of a bridge (Open vSwitch or Linux): it takes the VLANs
        return plan.VethEnd(netns=netns, ifname=names[id(side)], addresses=addresses.get(id(side), ()),
                            master=bare_name(side.owner.text) if port and not ovs else None,
                            addrgenmode=mode if netns else None, mac=macs.get(id(side)), ovs=ovs,
                            tag=veth.tag[0].value if port and veth.tag else None,
                            trunks=tuple(n.value for n in veth.trunks) if port else ())

    left, right = end(veth.left), end(veth.right)
    # The host or bridge side is created first, so the other end can be sent into its namespace.
    outer, inner = (right, left) if right.netns is None and (left.netns is not None or right.master or right.ovs) \
        else (left, right)
    return plan.Veth(outer=outer, inner=inner, mtu=veth.mtu.value if veth.mtu else None, origin=origin_of(veth))


KINDS = (
    StatementKind(40, "veth", "veth", ir.Veth, transform,
                  (check_veth_ends, check_vlan_options, check_bridge_address_vlan, check_bridge_loops, check_macs,
                   check_link_local_clash,
                   *checks.LINK_CHECKS), lower,
                  "### `veth"),
)
