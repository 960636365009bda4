"""The resolved lab: every name, interface and address decided, ready for a target to render.

`resolve.lower` builds it from checked IR. Targets read it; they never look at IR.
`netns` fields hold a namespace name, or None for the host (root) namespace.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


def family(address: str) -> int:
    """6 for an IPv6 address, network or interface address as nsgen writes it, else 4."""
    return 6 if ":" in address else 4


@dataclass(frozen=True)
class Origin:
    """Where a planned thing came from: `file:line` and the statement as written."""

    where: str
    source: str
    line: int

    @property
    def comment(self) -> str:
        """The one-line citation scripts put before a statement's commands."""
        return f"{self.where}  {self.source}"


@dataclass(frozen=True)
class Namespace:
    """A network namespace the lab creates."""

    name: str
    origin: Origin


@dataclass(frozen=True)
class Bridge:
    """A Linux bridge in the host; `implicit` when a veth end named it without a `bridge` line;
    `ovs` for an Open vSwitch bridge."""

    name: str
    addresses: tuple[str, ...]
    """Its addresses, with prefixes, in the order written (any number, of both families)."""
    mtu: int | None
    implicit: bool
    origin: Origin
    ovs: bool = False
    netns: str | None = None
    """The namespace a bridge declared `bridge NS:NAME` is in (None: the host)."""
    addrgenmode: str | None = None
    """For a bridge in a namespace: as for veth ends."""


@dataclass(frozen=True)
class VethEnd:
    """One end of a veth pair: where it lives, its name, its address and its bridge, if any.
    `addrgenmode` is the IPv6 address generation mode set when the end comes up (None: leave it)."""

    netns: str | None
    ifname: str
    addresses: tuple[str, ...]
    """Its addresses, with prefixes: at most one of each family, IPv4's first."""
    master: str | None
    addrgenmode: str | None = None
    mac: str | None = None
    """The MAC address the end gets (None: the kernel's random one)."""
    ovs: str | None = None
    """The Open vSwitch bridge the end is a port of (then `master` is None)."""
    tag: int | None = None
    """For a port of an Open vSwitch bridge: the VLAN it is an access port in."""
    trunks: tuple[int, ...] = ()
    """For a port of an Open vSwitch bridge: the VLANs it carries tagged."""


@dataclass(frozen=True)
class Veth:
    """A veth pair. `outer` is created first (the host or bridge side when there is one)."""

    outer: VethEnd
    inner: VethEnd
    mtu: int | None
    origin: Origin


@dataclass(frozen=True)
class Vxlan:
    """A VXLAN device: where it lives, its name, VNI, peer, underlay and UDP port; the bridge it
    joins or its address; `addrgenmode` as for veth ends."""

    netns: str | None
    ifname: str
    vni: int
    remote: str | None
    local: str | None
    device: str | None
    port: int
    master: str | None
    address: str | None
    mtu: int | None
    origin: Origin
    addrgenmode: str | None = None
    group: str | None = None
    """A multicast group standing for the peers (then `remote` is None)."""
    fdb: tuple[str, ...] = ()
    """Several peers: each gets an all-zeros forwarding entry (`bridge fdb append`), so frames for
    all (broadcasts, unknown MACs) go to every one, head-end replication (then `remote` is None)."""


@dataclass(frozen=True)
class Tunnel:
    """A GRE, gretap or ipip device (`kind`, the `type` ip makes): where it lives, its name, its
    peer, local address, underlay device, key and TTL; the bridge it joins or its address;
    `addrgenmode` as for veth ends."""

    netns: str | None
    ifname: str
    kind: str
    remote: str
    local: str | None
    device: str | None
    key: int | None
    ttl: int | None
    master: str | None
    address: str | None
    mtu: int | None
    origin: Origin
    addrgenmode: str | None = None


@dataclass(frozen=True)
class Macvlan:
    """A macvlan: the namespace it lives in, its name, its parent in the host and mode; its
    address, MTU, `addrgenmode` as for veth ends; `parent_in_lab` when the lab makes the parent."""

    netns: str
    ifname: str
    parent: str
    mode: str
    address: str | None
    mtu: int | None
    origin: Origin
    parent_in_lab: bool = False
    addrgenmode: str | None = None
    mode_given: bool = True
    """False when the lab gives no mode (the script says it writes nsgen's default)."""
    kind: str = "macvlan"
    """`macvlan`, or `ipvlan` (the same shape: a child link of a parent in the host)."""


@dataclass(frozen=True)
class Route:
    """A route in a namespace (or the host): `destination` is a CIDR or `default`; a gateway, a
    device or both (`onlink`: the gateway is on the device's link whatever its subnets)."""

    netns: str | None
    destination: str
    gateway: str | None
    origin: Origin
    device: str | None = None
    metric: int | None = None
    onlink: bool = False


@dataclass(frozen=True)
class Address:
    """One more address on a lab interface of a namespace (`lo` too) or of the host."""

    netns: str | None
    ifname: str
    address: str
    origin: Origin


NAT_FORWARDING = "NAT in the namespace needs it"
"""The reason of the forwarding sysctl a `nat NS`/`forward NS` line sets in its namespace."""


@dataclass(frozen=True)
class Sysctl:
    """A net.* sysctl set in a namespace (dies with it) or in the host (kept and restored);
    `reason` says why, for `router`."""

    netns: str | None
    key: str
    value: str
    origin: Origin
    reason: str = ""


@dataclass(frozen=True)
class Masquerade:
    """Source NAT for a subnet leaving the host, optionally only through one interface."""

    subnet: str
    out_interface: str | None
    origin: Origin
    netns: str | None = None
    """The namespace whose own rules do it (`nat NS masquerade`); None: the host."""


@dataclass(frozen=True)
class Forward:
    """DNAT of a port on the host's own addresses to an address and port in a namespace."""

    protocol: str
    port: int
    target: str
    target_port: int
    in_interface: str | None
    origin: Origin
    netns: str | None = None
    """The namespace whose own rules do it (`forward NS ...`), on its own addresses; None: the host."""
    target_subnet: str | None = None
    """The lab subnet the target is on: clients there reach it through the host's address only if
    their connections are masqueraded (hairpin), or replies would go to them straight."""


@dataclass(frozen=True)
class AddressForward:
    """DNAT, inside namespace `netns`, of every connection to `address` (all protocols) to `target`."""

    netns: str
    address: str
    target: str
    in_interface: str | None
    origin: Origin


@dataclass(frozen=True)
class Redirect:
    """REDIRECT, inside namespace `netns`, of connections to `port` to its own local `to_port`: those
    arriving (on `in_interface`, if given), whatever their destination, and its own to its addresses;
    in each family of `families` (those the lab gives it addresses of)."""

    netns: str
    protocol: str
    port: int
    to_port: int
    in_interface: str | None
    origin: Origin
    families: tuple[int, ...] = (4,)


@dataclass(frozen=True)
class RouterFilter:
    """`router NS deny`: NS forwards only replies, its own NAT's traffic and what a `Pass` names, in
    each family of `families` (those it has addresses of)."""

    netns: str
    origin: Origin
    families: tuple[int, ...] = (4,)


@dataclass(frozen=True)
class Pass:
    """`allow FROM -> TO via NS`: new connections router namespace `netns` forwards, from `sources` to
    `destinations` (CIDRs; none: any address but the `..._excluded` ones, the lab's subnets, when that
    side is `outside`), to `port` of `protocol` or (None) to everything."""

    netns: str
    sources: tuple[str, ...]
    source_excluded: tuple[str, ...]
    destinations: tuple[str, ...]
    destination_excluded: tuple[str, ...]
    protocol: str | None
    port: int | None
    origin: Origin
    from_outside: bool = False
    to_outside: bool = False

    @property
    def outside(self) -> bool:
        """True when either side is `outside` (its rules go after the others', see NamespaceRules)."""
        return self.from_outside or self.to_outside

    def pairs_of(self, af: int) -> tuple[tuple[str | None, str | None], ...]:
        """(source, destination) of one family, None for `outside`; none when a side has no address of it."""
        sources: list[str | None] = [None] if self.from_outside else [s for s in self.sources if family(s) == af]
        destinations: list[str | None] = [None] if self.to_outside else \
            [d for d in self.destinations if family(d) == af]
        return tuple((s, d) for s in sources for d in destinations)

    def excluded_of(self, af: int) -> tuple[tuple[str, str], ...]:
        """The lab subnets of one family an `outside` side excludes: ("s"/"d", subnet)."""
        return tuple(("s", n) for n in self.source_excluded if family(n) == af) + \
            tuple(("d", n) for n in self.destination_excluded if family(n) == af)


def order_passes(passes: tuple[Pass, ...]) -> tuple[tuple[Pass, ...], tuple[Pass, ...]]:
    """Flows with an `outside` side, ordered so that none's drops of the lab's subnets (which the
    iptables target puts before its accept) come before a flow that accepts what they drop; in lab
    order where that allows. Second: the flows no order can serve so (empty but for odd CIDRs)."""
    left, ordered = list(passes), list[Pass]()
    while left:
        free = next((p for p in left if not any(blocks(p, other) for other in left if other is not p)), None)
        if free is None:
            return tuple(ordered + left), tuple(left)
        ordered.append(free)
        left.remove(free)
    return tuple(ordered), ()


def blocks(first: Pass, then: Pass) -> bool:
    """True when `first`'s drops of the lab's subnets would drop a connection `then` accepts."""
    if first.protocol and then.protocol and (first.protocol, first.port) != (then.protocol, then.port):
        return False
    for af in (4, 6):
        excluded = {"s": [n for side, n in then.excluded_of(af) if side == "s"],
                    "d": [n for side, n in then.excluded_of(af) if side == "d"]}
        for side, subnet in first.excluded_of(af):
            for source, destination in first.pairs_of(af):
                dropped = (subnet, destination) if side == "s" else (source, subnet)
                for s, d in then.pairs_of(af):
                    if not (_meet(dropped[0], s) and _meet(dropped[1], d)):
                        continue
                    if _within(dropped[0], excluded["s"]) or _within(dropped[1], excluded["d"]):
                        continue  # `then` drops those too
                    return True
    return False


def _within(network: str | None, subnets: list[str]) -> bool:
    """True when a network lies inside one of `subnets` (an `outside` side's exclusions)."""
    if network is None:
        return False
    inner = ipaddress.ip_network(network)
    return any(inner.subnet_of(ipaddress.ip_network(subnet)) for subnet in subnets  # type: ignore[arg-type]
               if ipaddress.ip_network(subnet).version == inner.version)


def _meet(one: str | None, other: str | None) -> bool:
    """True when two networks (None: any address) overlap."""
    return one is None or other is None or ipaddress.ip_network(one).overlaps(ipaddress.ip_network(other))


@dataclass(frozen=True)
class Isolation:
    """`isolate NS`: NS's INPUT accepts only `lo`, replies, and what an `allow` names, in each
    address family of `families` (those the lab gives NS addresses of; IPv4 for one with none)."""

    netns: str
    origin: Origin
    families: tuple[int, ...] = (4,)


@dataclass(frozen=True)
class Allow:
    """`allow`: connections into isolated `netns` accepted from `sources` (CIDRs; none: from any
    address), or, `outside`, from any address but those of `excluded` (the lab's subnets); to
    `port` of `protocol`, or (None) to everything. Sources and excluded subnets may be of both
    families: each family's rules take those of theirs (`outside` with no lab subnet of a family
    accepts any address of it)."""

    netns: str
    sources: tuple[str, ...]
    excluded: tuple[str, ...]
    protocol: str | None
    port: int | None
    origin: Origin
    outside: bool = False

    def sources_of(self, af: int) -> tuple[str, ...]:
        """The sources of one family."""
        return tuple(source for source in self.sources if family(source) == af)

    def excluded_of(self, af: int) -> tuple[str, ...]:
        """The excluded (lab) subnets of one family."""
        return tuple(subnet for subnet in self.excluded if family(subnet) == af)


@dataclass(frozen=True)
class NamespaceRules:
    """The firewall rules the lab loads inside one namespace, in lab-owned chains (iptables) or a
    lab-owned table (nft) there, in one transaction: its NAT (`nat NS`, `forward NS`) and its
    isolation (`isolate NS`, `allow ... -> NS`), of either address family or both."""

    netns: str
    masquerades: tuple[Masquerade, ...]
    forwards: tuple[Forward, ...]
    isolation: Isolation | None = None
    allows: tuple[Allow, ...] = ()
    address_forwards: tuple[AddressForward, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    router_filter: RouterFilter | None = None
    passes: tuple[Pass, ...] = ()

    @property
    def origin(self) -> Origin:
        """The first statement that puts a rule in the namespace."""
        return self.rules[0].origin

    @property
    def rules(self) -> tuple[Masquerade | Forward | Isolation | Allow | AddressForward | Redirect | RouterFilter
                             | Pass, ...]:
        """Every rule statement, in lab order."""
        single = tuple(rule for rule in (self.isolation, self.router_filter) if rule is not None)
        return tuple(sorted(self.masquerades + self.forwards + single + self.allows + self.address_forwards
                            + self.redirects + self.passes, key=lambda rule: rule.origin.line))

    @property
    def ordered_passes(self) -> tuple[Pass, ...]:
        """The router's allowed flows, those with an `outside` side last (as `ordered_allows`), and
        those in the order `order_passes` gives (the iptables target drops their lab subnets first)."""
        return tuple(p for p in self.passes if not p.outside) + order_passes(
            tuple(p for p in self.passes if p.outside))[0]

    def address_forwards_of(self, af: int) -> tuple[AddressForward, ...]:
        """The whole-address forwards of one family."""
        return tuple(f for f in self.address_forwards if family(f.target) == af)

    def redirects_of(self, af: int) -> tuple[Redirect, ...]:
        """The redirects of one family."""
        return tuple(r for r in self.redirects if af in r.families)

    def filters(self, af: int) -> bool:
        """True when the namespace is a `router NS deny` in that family."""
        return self.router_filter is not None and af in self.router_filter.families

    @property
    def ordered_allows(self) -> tuple[Allow, ...]:
        """The allows, those from `outside` last: for iptables, they first drop (for their port)
        what comes from the lab's subnets, which no later allow may then accept."""
        return tuple(a for a in self.allows if not a.outside) + tuple(a for a in self.allows if a.outside)

    @property
    def families(self) -> tuple[int, ...]:
        """The address families (4, 6) the namespace's rules are of: its masquerades' and forwards',
        and its isolation's; an IPv6-only namespace gets no IPv4 rule, and the other way round."""
        found = {family(m.subnet) for m in self.masquerades} | {family(f.target) for f in self.forwards}
        found |= set(self.isolation.families) if self.isolation else set()
        found |= {family(f.target) for f in self.address_forwards} | {f for r in self.redirects for f in r.families}
        found |= set(self.router_filter.families) if self.router_filter else set()
        return tuple(sorted(found)) or (4,)

    def masquerades_of(self, af: int) -> tuple[Masquerade, ...]:
        """The masquerades of one family."""
        return tuple(m for m in self.masquerades if family(m.subnet) == af)

    def forwards_of(self, af: int) -> tuple[Forward, ...]:
        """The forwards of one family (that of their target)."""
        return tuple(f for f in self.forwards if family(f.target) == af)

    def chains_of(self, af: int) -> tuple[str, ...]:
        """The lab chains (iptables target) its rules of one family use: `pre` and `out` (its forwards
        and redirects), `post` (its masquerades), `fwd` (forwards, masquerades, `router NS deny`), `in`
        (its isolation in that family)."""
        forwards = bool(self.forwards_of(af) or self.address_forwards_of(af))
        masquerades = bool(self.masquerades_of(af))
        nat = forwards or bool(self.redirects_of(af))
        isolated = self.isolation is not None and af in self.isolation.families
        used = {"pre": nat, "out": nat, "post": masquerades, "fwd": forwards or masquerades or self.filters(af),
                "in": isolated}
        return tuple(kind for kind, use in used.items() if use)


@dataclass(frozen=True)
class Process:
    """A process setup starts in a namespace (`run`): its arguments, and `ident`, which names its pid
    file and log and its key in the lab's record (a hash of the namespace and the arguments)."""

    netns: str
    argv: tuple[str, ...]
    ident: str
    origin: Origin


@dataclass(frozen=True)
class PingExpectation:
    """`expect NS [no] ping ADDR`: `netns` is a lab namespace, `host` or `outside`."""

    netns: str
    address: str
    negated: bool
    origin: Origin


@dataclass(frozen=True)
class ConnectExpectation:
    """`expect NS [no] PROTO ADDR:PORT reaches NS2[:PORT] [from ADDR]`."""

    netns: str
    protocol: str
    address: str
    port: int
    listener_netns: str
    listener_port: int
    seen_from: str | None
    negated: bool
    origin: Origin


Expectation = PingExpectation | ConnectExpectation


@dataclass(frozen=True)
class LabPlan:
    """Everything a target needs to write setup, teardown and inspect scripts."""

    name: str
    file: str
    namespaces: tuple[Namespace, ...]
    bridges: tuple[Bridge, ...]
    veths: tuple[Veth, ...]
    routes: tuple[Route, ...]
    masquerades: tuple[Masquerade, ...]
    forwards: tuple[Forward, ...]
    expectations: tuple[Expectation, ...]
    source: str = ""
    """The lab file's identity on a host: its absolute path (how the CLI read it), else its name.
    A lab's record keeps it, so a second lab file with the same lab name is refused."""

    addresses: tuple[Address, ...] = ()
    sysctls: tuple[Sysctl, ...] = ()
    vxlans: tuple[Vxlan, ...] = ()
    macvlans: tuple[Macvlan, ...] = ()
    namespace_rules: tuple[NamespaceRules, ...] = ()
    """Rules inside namespaces, one transaction each (`masquerades` and `forwards` are the host's)."""
    processes: tuple[Process, ...] = ()
    """Processes setup starts in namespaces (`run`), in lab order."""
    tunnels: tuple[Tunnel, ...] = ()
    """GRE, gretap and ipip devices, in lab order."""

    @property
    def ovs_bridges(self) -> tuple[Bridge, ...]:
        """The lab's Open vSwitch bridges."""
        return tuple(bridge for bridge in self.bridges if bridge.ovs)

    @property
    def has_nat(self) -> bool:
        """True when the lab has `nat` or `forward` lines (and so needs forwarding in the host)."""
        return bool(self.masquerades or self.forwards)

    def nat_families(self) -> tuple[int, ...]:
        """The address families (4, 6) of the lab's NAT rules, each once: the host forwards those."""
        found = {family(m.subnet) for m in self.masquerades} | {family(f.target) for f in self.forwards}
        return tuple(sorted(found))

    @property
    def has_ipv6(self) -> bool:
        """True when the lab gives any interface an IPv6 address."""
        return any(family(a) == 6 for a in self.all_addresses)

    @property
    def host_forwards_ipv6(self) -> bool:
        """True when setup turns on IPv6 forwarding in the host (IPv6 NAT, or `router host` or a
        host `sysctl` of it in a lab with IPv6)."""
        return 6 in self.nat_families() or any(s.netns is None and s.key == "net.ipv6.conf.all.forwarding"
                                               and s.value != "0" for s in self.sysctls)

    @property
    def families(self) -> tuple[int, ...]:
        """The families (4, 6) the lab's rules need: those of its NAT, and both for the accepts across
        its bridges when the lab has addresses of both (IPv4 alone for a lab without IPv6)."""
        found = set(self.nat_families())
        if self.bridged:
            found |= {family(a) for a in self.all_addresses} or {4}
        return tuple(sorted(found))

    @property
    def all_addresses(self) -> tuple[str, ...]:
        """Every address the lab gives an interface."""
        ends = [a for veth in self.veths for end in (veth.outer, veth.inner) for a in end.addresses]
        return (tuple(a for b in self.bridges for a in b.addresses) + tuple(ends)
                + tuple(a.address for a in self.addresses)
                + tuple(v.address for v in self.vxlans if v.address)
                + tuple(m.address for m in self.macvlans if m.address)
                + tuple(t.address for t in self.tunnels if t.address))

    @property
    def bridged(self) -> tuple[Bridge, ...]:
        """The lab's bridges with two or more of its veth ends as ports: its namespaces talk across
        them, and with br_netfilter on those frames cross the host's FORWARD hook."""
        ports = [end.master for veth in self.veths for end in (veth.outer, veth.inner) if end.master and not end.netns]
        ports += [vxlan.master for vxlan in self.vxlans if vxlan.master and not vxlan.netns]
        ports += [tunnel.master for tunnel in self.tunnels if tunnel.master and not tunnel.netns]
        return tuple(bridge for bridge in self.bridges if ports.count(bridge.name) >= 2 and not bridge.netns)

    @property
    def has_rules(self) -> bool:
        """True when the lab needs firewall rules: NAT, or accepts for traffic across its bridges."""
        return bool(self.has_nat or self.bridged)

    @property
    def sets_addrgenmode(self) -> bool:
        """True when a setup script sets an IPv6 address generation mode (so needs IPv6)."""
        return any(end.addrgenmode for veth in self.veths for end in (veth.outer, veth.inner)) \
            or any(bridge.addrgenmode for bridge in self.bridges) \
            or any(vxlan.addrgenmode for vxlan in self.vxlans) or any(m.addrgenmode for m in self.macvlans) \
            or any(t.addrgenmode for t in self.tunnels)
