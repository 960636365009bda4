"""What a lab declares and how names and bare addresses are decided; shared by checks and resolve."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from nsgen.compiler import ir

IFNAMSIZ = 15
"""Longest interface name the kernel accepts, in bytes."""

CHAIN_PREFIX_MAX = 22
"""Longest lab chain prefix: iptables chain names stop at 28 bytes and we add `-post`/`-fwd`/`-pre`."""

RESERVED = (ir.HOST, ir.OUTSIDE)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
"""An address, interface address or network of either family (IPv4 and IPv6 go wherever the other goes)."""


@dataclass(frozen=True)
class LabInterface:
    """An interface the lab creates: a bridge or a veth end, where it is, its name and its address."""

    owner: str
    """The namespace it is in; `host` for bridges and for veth ends in the host or on a bridge."""
    ifname: str
    address: IPInterface | None
    word: ir.Word
    """Its address as written, else the name that declares it (for spans)."""
    statement: ir.Statement
    bridge: str | None = None
    """For a veth end plugged into a bridge (a bridge port), that bridge."""
    named: bool = False
    """True when the lab file writes its name (`NS:IFNAME`, or a bridge's name)."""


@dataclass
class Symbols:
    """The names a lab declares, first declaration winning, and its subnets."""

    lab: str
    namespaces: dict[str, ir.Ns] = field(default_factory=dict)
    bridges: dict[str, ir.Bridge] = field(default_factory=dict)
    implicit_bridges: dict[str, ir.Veth] = field(default_factory=dict)
    bridge_subnets: dict[str, list[IPNetwork]] = field(default_factory=dict)
    """The subnets of each declared bridge's addresses written with a prefix (bare addresses on its
    ports take theirs)."""
    nat_subnets: list[IPNetwork] = field(default_factory=list)
    connected: dict[str, list[IPNetwork]] = field(default_factory=dict)
    """Subnets each namespace (and `host`) has an address on."""
    namespace_of_address: dict[str, str] = field(default_factory=dict)
    """IP address -> the namespace whose veth end has it."""
    interfaces: list[LabInterface] = field(default_factory=list)
    """Every bridge and veth end, in source order (declared bridges first)."""
    routes: dict[str, list[IPNetwork]] = field(default_factory=dict)
    """Destinations of each namespace's (and the host's) routes; `default` is 0.0.0.0/0, or ::/0 via
    an IPv6 gateway."""
    placed: dict[int, list[tuple[ir.VethEnd, ir.Word]]] = field(default_factory=dict)
    """id(veth) -> which end takes which address (`addressed_ends`, worked out once per veth)."""
    interface_with: dict[tuple[str, IPAddress], LabInterface] = field(default_factory=dict)
    """(namespace or `host`, IP address) -> the interface there that has it (the first, if given twice)."""

    @property
    def has_ipv6(self) -> bool:
        """True when any interface of the lab has an IPv6 address (so `router` forwards IPv6 too)."""
        return any(i.address is not None and i.address.version == 6 for i in self.interfaces)

    @property
    def has_ipv4(self) -> bool:
        """True when any interface of the lab has an IPv4 address."""
        return any(i.address is not None and i.address.version == 4 for i in self.interfaces)

    def forwarding_families(self) -> tuple[int, ...]:
        """The families `router` turns forwarding on for: those the lab has addresses of (IPv4
        for a lab with none)."""
        found = tuple(f for f, has in ((4, self.has_ipv4), (6, self.has_ipv6)) if has)
        return found or (4,)

    def kind(self, name: str) -> str | None:
        """`host`, `ns`, `bridge` (declared or implied), or None for a name never declared."""
        if name == ir.HOST:
            return "host"
        if name in self.namespaces:
            return "ns"
        if name in self.bridges or name in self.implicit_bridges:
            return "bridge"
        return None


VXLAN_OVERHEAD = 50
"""Bytes VXLAN adds to each frame over IPv4 (outer IP 20, UDP 8, VXLAN 8, inner Ethernet 14)."""
DEFAULT_MTU = 1500
"""A new veth's (and bridge's) MTU."""


def mtu_of(where: str, ifname: str, symbols: Symbols) -> int | None:
    """The MTU a lab interface gets (given, else the kernel's default for its kind), or None when
    the lab does not make it (a host's own interface) or cannot tell."""
    for interface in symbols.interfaces:
        if interface.owner != where or interface.ifname != ifname:
            continue
        statement = interface.statement
        if isinstance(statement, ir.Veth):
            return statement.mtu.value if statement.mtu else DEFAULT_MTU
        if isinstance(statement, ir.Vxlan):
            return vxlan_mtu(statement, symbols)
        if isinstance(statement, ir.Tunnel):
            return tunnel_mtu(statement, symbols)
        if isinstance(statement, (ir.Bridge, ir.Macvlan)):
            return statement.mtu.value if statement.mtu else None
    return None


def vxlan_mtu(vxlan: ir.Vxlan, symbols: Symbols) -> int | None:
    """A vxlan's MTU: given, else its underlay's less the VXLAN overhead (what the kernel sets)."""
    if vxlan.mtu is not None:
        return vxlan.mtu.value
    if vxlan.device is None:
        return DEFAULT_MTU - VXLAN_OVERHEAD
    where = vxlan.namespace.text if vxlan.namespace is not None else ir.HOST
    underlay = mtu_of(where, vxlan.device.text, symbols) if vxlan.device.text != vxlan.name.text else None
    return underlay - VXLAN_OVERHEAD if underlay is not None else None


TUNNEL_OVERHEAD = {"gre": 24, "gretap": 38, "ipip": 20}
"""Bytes each tunnel kind adds to a packet over IPv4 (outer IP 20; GRE's header 4; gretap's inner
Ethernet header 14); a GRE `key` adds 4 more."""
GRE_KEY_BYTES = 4


def tunnel_overhead(tunnel: ir.Tunnel) -> int:
    """What a gre, gretap or ipip device adds to each packet (its key included)."""
    kind = type(tunnel).__name__.lower()
    return TUNNEL_OVERHEAD[kind] + (GRE_KEY_BYTES if tunnel.key is not None and kind != "ipip" else 0)


def tunnel_mtu(tunnel: ir.Tunnel, symbols: Symbols) -> int | None:
    """A tunnel's MTU: given, else its underlay's less its overhead (what the kernel sets; without
    `dev`, the kernel takes the device of its route to `remote`, unknown here, so None)."""
    if tunnel.mtu is not None:
        return tunnel.mtu.value
    if tunnel.device is None:
        return None
    where = tunnel.namespace.text if tunnel.namespace is not None else ir.HOST
    underlay = mtu_of(where, tunnel.device.text, symbols) if tunnel.device.text != tunnel.name.text else None
    return underlay - tunnel_overhead(tunnel) if underlay is not None else None


def end_home(owner: str, symbols: Symbols) -> str | None:
    """Where a veth end whose owner is `owner` lives: that namespace, the namespace of a bridge
    declared `bridge NS:NAME`, or None (the host)."""
    if symbols.kind(owner) == "ns":
        return owner
    bridge = symbols.bridges.get(owner)
    return bridge.namespace.text if bridge is not None and bridge.namespace is not None else None


def bare_name(owner: str) -> str:
    """A bridge's interface name: `NAME` of `NS:NAME`."""
    return owner.rsplit(":", 1)[-1]


def qualify_bridge_ends(program: ir.Program) -> ir.Program:
    """Veth ends written `NS:NAME` where `bridge NS:NAME` declares a bridge in NS become ends whose
    owner is that bridge (`NS:NAME`, a port of it), so every check and the lowering see a bridge."""
    inside = {s.key for s in program.statements if isinstance(s, ir.Bridge) and s.namespace is not None}
    if not inside:
        return program

    def end(side: ir.VethEnd) -> ir.VethEnd:
        if side.ifname is None or f"{side.owner.text}:{side.ifname.text}" not in inside:
            return side
        span = dataclasses.replace(side.owner.span, end_column=side.ifname.span.end_column)
        return ir.VethEnd(ir.Word(f"{side.owner.text}:{side.ifname.text}", span), None)

    statements = tuple(dataclasses.replace(s, left=end(s.left), right=end(s.right)) if isinstance(s, ir.Veth) else s
                       for s in program.statements)
    return ir.Program(program.file, statements)


def default_lab_name(file: str) -> str:
    """The lab's name when there is no `lab` line: the file's stem, made a valid name."""
    stem = PurePath(file).stem if file not in ("-", "<stdin>") else "lab"
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", stem)
    return stem if re.match(r"[A-Za-z_]", stem) else "lab_" + stem


def collect(program: ir.Program) -> Symbols:
    """Walk the statements once and record every declaration and subnet."""
    labs = [s for s in program.statements if isinstance(s, ir.Lab)]
    symbols = Symbols(lab=labs[0].name.text if labs else default_lab_name(program.file))
    for statement in program.statements:
        if isinstance(statement, ir.Ns):
            symbols.namespaces.setdefault(statement.name.text, statement)
        elif isinstance(statement, ir.Bridge):
            symbols.bridges.setdefault(statement.key, statement)
        elif isinstance(statement, ir.Masquerade):
            network = network_of(statement.subnet.text)
            if network is not None:
                symbols.nat_subnets.append(network)
    for name, bridge in symbols.bridges.items():
        for word in bridge.addresses:
            interface = interface_of(word.text)
            if interface is not None and "/" in word.text:
                symbols.bridge_subnets.setdefault(name, []).append(interface.network)
    for statement in program.statements:
        if isinstance(statement, ir.Veth):
            for end in (statement.left, statement.right):
                owner = end.owner.text
                if symbols.kind(owner) is None and owner != ir.OUTSIDE:
                    symbols.implicit_bridges.setdefault(owner, statement)
    _collect_addresses(program, symbols)
    return symbols


def _collect_addresses(program: ir.Program, symbols: Symbols) -> None:
    """Record every interface, which subnets each namespace is on, who owns each address, and routes."""
    for name, declared in symbols.bridges.items():
        home = declared.namespace.text if declared.namespace else ir.HOST
        for word in declared.addresses or (declared.name,):
            address = resolve_address(word.text, symbols, name) if declared.addresses else None
            symbols.interfaces.append(LabInterface(home, declared.name.text, address, word, declared, named=True))
    for name, veth in symbols.implicit_bridges.items():
        if name not in symbols.bridges:
            owner = veth.left.owner if veth.left.owner.text == name else veth.right.owner
            symbols.interfaces.append(LabInterface(ir.HOST, name, None, owner, veth, named=True))
    for statement in program.statements:
        if isinstance(statement, ir.Veth):
            symbols.interfaces.extend(_veth_interfaces(statement, symbols))
        elif isinstance(statement, ir.Route):
            _collect_route(statement, symbols)
        elif isinstance(statement, ir.Address):
            _collect_extra_address(statement, symbols)
        elif isinstance(statement, (ir.Vxlan, ir.Tunnel)):
            _collect_vxlan(statement, symbols)
        elif isinstance(statement, ir.Macvlan):
            _collect_macvlan(statement, symbols)
    for interface in symbols.interfaces:
        if interface.address is None:
            continue
        symbols.connected.setdefault(interface.owner, []).append(interface.address.network)
        symbols.interface_with.setdefault((interface.owner, interface.address.ip), interface)
        if interface.owner in symbols.namespaces:
            symbols.namespace_of_address.setdefault(str(interface.address.ip), interface.owner)


def _veth_interfaces(veth: ir.Veth, symbols: Symbols) -> list[LabInterface]:
    """A veth's two ends as interfaces, with the addresses they get."""
    bridge = bridge_of(veth, symbols)
    addresses: dict[int, list[ir.Word]] = {}
    for end, word in addressed_ends(veth, symbols):
        addresses.setdefault(id(end), []).append(word)
    found = []
    for end, ifname in zip((veth.left, veth.right), end_ifnames(veth, symbols), strict=True):
        kind = symbols.kind(end.owner.text) or "bridge"
        words: list[ir.Word | None] = [*addresses.get(id(end), [])] or [None]
        for given in words:  # one interface per address (an end may have both families)
            address = resolve_address(given.text, symbols, bridge) if given is not None else None
            found.append(LabInterface(end_home(end.owner.text, symbols) or ir.HOST, ifname, address,
                                      given or end.ifname or end.owner, veth, bridge=end.owner.text
                                      if kind == "bridge" else None, named=end.ifname is not None))
    return found


def _collect_extra_address(statement: ir.Address, symbols: Symbols) -> None:
    """An `address NS:IF ADDR` line: one more address on an interface (its prefix as written, else /32)."""
    where = statement.namespace.text
    owner = where if where in symbols.namespaces else ir.HOST
    address = interface_of(statement.address.text)
    symbols.interfaces.append(LabInterface(owner, statement.ifname.text, address, statement.address, statement,
                                           named=True))


def _collect_vxlan(statement: ir.Vxlan | ir.Tunnel, symbols: Symbols) -> None:
    """A `vxlan` (or `gre`, `gretap`, `ipip`) line's device, in its namespace or the host, with its
    address if it has one."""
    owner = statement.namespace.text if statement.namespace is not None else ir.HOST
    word = statement.addresses[0] if statement.addresses else statement.name
    address = interface_of(word.text) if statement.addresses and "/" in word.text else None
    symbols.interfaces.append(LabInterface(owner, statement.name.text, address, word, statement,
                                           bridge=statement.bridge.text if statement.bridge else None, named=True))


def _collect_macvlan(statement: ir.Macvlan, symbols: Symbols) -> None:
    """A `macvlan` line's interface in its namespace, with its address if it has one."""
    word = statement.addresses[0] if statement.addresses else statement.name
    address = interface_of(word.text) if statement.addresses and "/" in word.text else None
    symbols.interfaces.append(LabInterface(statement.namespace.text, statement.name.text, address, word, statement,
                                           named=True))


def interfaces_in(symbols: Symbols, where: str) -> set[str]:
    """The names of the lab's interfaces in a namespace (its `lo` included) or in the host (bridges
    and host veth ends; the host's own interfaces are not the lab's)."""
    names = {i.ifname for i in symbols.interfaces if i.owner == where and not isinstance(i.statement, ir.Address)}
    return names | {"lo"} if where != ir.HOST else names


def subnets_on(symbols: Symbols, where: str, ifname: str) -> list[IPNetwork]:
    """The subnets one interface of a namespace (or the host) has an address on."""
    return [i.address.network for i in symbols.interfaces
            if i.owner == where and i.ifname == ifname and i.address is not None]


def _collect_route(route: ir.Route, symbols: Symbols) -> None:
    """Record a route's destination (`default` as 0.0.0.0/0, or ::/0 via an IPv6 gateway) under its namespace."""
    where = route.namespace.text
    destination = network_of(route_destination(route), strict=False)
    if destination is not None:
        symbols.routes.setdefault(where, []).append(destination)


def route_destination(route: ir.Route) -> str:
    """A route's destination as written, `default` as the default network of its gateway's family
    (0.0.0.0/0 unless the gateway is IPv6)."""
    if route.destination is not None:
        return route.destination.text
    return "::/0" if route.gateway is not None and family_of(route.gateway.text) == 6 else "0.0.0.0/0"


# addresses ---------------------------------------------------------------


def link_local_of(address: str) -> str:
    """The link-local address nsgen gives an interface with `addrgenmode none` and an IPv6 address:
    fe80::/64 with the interface part (the low 64 bits) of that address: fd00:7::1/64 -> fe80::1/64."""
    ip = int(ipaddress.IPv6Interface(address).ip)
    return f"{ipaddress.IPv6Address((0xFE80 << 112) | (ip & (2**64 - 1)))}/64"


def family_of(text: str) -> int | None:
    """4 or 6 for an address, interface address or network as written (prefix optional), else None."""
    interface = interface_of(text)
    return interface.version if interface is not None else None


@functools.lru_cache(maxsize=65536)
def interface_of(text: str) -> IPInterface | None:
    """An interface address of either family (prefix optional: /32 or /128 when absent), or None if invalid."""
    try:
        return ipaddress.IPv6Interface(text) if ":" in text else ipaddress.IPv4Interface(text)
    except ValueError:
        return None


@functools.lru_cache(maxsize=65536)
def network_of(text: str, strict: bool = True) -> IPNetwork | None:
    """A network such as 192.168.15.0/24 or fd00:15::/64, or None if invalid (or with host bits set when strict)."""
    try:
        return ipaddress.IPv6Network(text, strict=strict) if ":" in text else ipaddress.IPv4Network(text, strict=strict)
    except ValueError:
        return None


def containing_subnet(address: IPAddress, symbols: Symbols, bridge: str | None) -> IPNetwork | None:
    """The lab subnet a bare address belongs to: its own bridge's, any bridge's, else a NAT subnet's
    (of its own family: a bare IPv6 address takes a bridge's IPv6 prefix)."""
    own = [n for n in symbols.bridge_subnets.get(bridge, []) if address in n] if bridge is not None else []
    if own:
        return max(own, key=lambda n: n.prefixlen)
    candidates = [n for subnets in symbols.bridge_subnets.values() for n in subnets if address in n]
    candidates = candidates or [n for n in symbols.nat_subnets if address in n]
    return max(candidates, key=lambda n: n.prefixlen) if candidates else None


def resolve_address(text: str, symbols: Symbols, bridge: str | None) -> IPInterface | None:
    """An address as it goes on an interface: written prefix, else the containing lab subnet's."""
    interface = interface_of(text)
    if interface is None or "/" in text:
        return interface
    subnet = containing_subnet(interface.ip, symbols, bridge)
    return None if subnet is None else interface_of(f"{interface.ip}/{subnet.prefixlen}")


# names -------------------------------------------------------------------


def did_you_mean(name: str, candidates: list[str]) -> str | None:
    """`did you mean 'blue'?` for a close candidate, else None."""
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:4]


def shorten(prefix: str, stem: str, suffix: str, limit: int = IFNAMSIZ) -> str:
    """`prefix+stem+suffix`, or when longer than `limit` bytes, the stem cut and a 4-hex hash of it added."""
    name = f"{prefix}{stem}{suffix}"
    if len(name.encode()) <= limit:
        return name
    keep = max(0, limit - len(prefix) - len(suffix) - 4)
    return f"{prefix}{stem[:keep]}{_short_hash(stem)}{suffix}"


def default_ifname(owner_kind: str, owner: str, peer_kind: str, peer: str) -> str:
    """The tutorial's names: `veth-red` in red, `veth-red-br` on the bridge, `veth-red-host` in the host.

    A host end whose peer is a bridge is `veth-host` (its bridge side `veth-host-br`).
    """
    owner, peer = bare_name(owner), bare_name(peer)
    if owner_kind == "ns":
        return shorten("veth-", owner, "")
    if owner_kind == "bridge":
        return shorten("veth-", peer, "-br")
    return shorten("veth-", peer, "-host") if peer_kind == "ns" else "veth-host"


def end_ifnames(veth: ir.Veth, symbols: Symbols) -> tuple[str, str]:
    """The interface names of a veth's left and right ends: as written, else the defaults."""
    left, right = veth.left.owner.text, veth.right.owner.text
    left_kind, right_kind = symbols.kind(left) or "bridge", symbols.kind(right) or "bridge"
    left_name = veth.left.ifname.text if veth.left.ifname else default_ifname(left_kind, left, right_kind, right)
    right_name = veth.right.ifname.text if veth.right.ifname else default_ifname(right_kind, right, left_kind, left)
    return left_name, right_name


def chain_prefix(lab: str) -> str:
    """Prefix of the lab's iptables chains, short enough for iptables' 28-byte chain names."""
    return shorten("nsgen-", lab, "", CHAIN_PREFIX_MAX)


def addressed_ends(veth: ir.Veth, symbols: Symbols) -> list[tuple[ir.VethEnd, ir.Word]]:
    """Which end gets which address, per family (IPv4 and IPv6 each in the order written): toward a
    bridge, the non-bridge end; else one per end in order. A word that is no address counts as IPv4.

    Extra addresses are left out here; `checks` reports them (`extra_addresses`).
    """
    known = symbols.placed.get(id(veth))
    if known is not None:
        return known
    takers = address_takers(veth, symbols)
    if all(family_of(w.text) != 6 for w in veth.addresses):  # IPv4 only (or not addresses): in order
        placed = list(zip(takers, veth.addresses, strict=False))
    else:
        placed = []
        for family in (4, 6):
            words = [w for w in veth.addresses if (family_of(w.text) or 4) == family]
            placed += list(zip(takers, words, strict=False))
        placed.sort(key=lambda pair: pair[1].span)
    symbols.placed[id(veth)] = placed
    return placed


def extra_addresses(veth: ir.Veth, symbols: Symbols) -> list[ir.Word]:
    """The addresses of a veth that no end takes (more of one family than ends to take them)."""
    placed = {id(word) for _end, word in addressed_ends(veth, symbols)}
    return [word for word in veth.addresses if id(word) not in placed]


def address_takers(veth: ir.Veth, symbols: Symbols) -> list[ir.VethEnd]:
    """The ends that take addresses: toward a bridge the non-bridge end, else both in order."""
    ends = (veth.left, veth.right)
    kinds = [symbols.kind(end.owner.text) or "bridge" for end in ends]
    if "bridge" in kinds:
        return [end for end, kind in zip(ends, kinds, strict=True) if kind != "bridge"][:1]
    return list(ends)


def bridge_of(veth: ir.Veth, symbols: Symbols) -> str | None:
    """The bridge a veth plugs into, if any."""
    for end in (veth.left, veth.right):
        if (symbols.kind(end.owner.text) or "bridge") == "bridge":
            return end.owner.text
    return None
