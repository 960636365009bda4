"""The lab as written: frozen dataclasses, one per statement, each value with its source span.

Nothing here is checked or resolved yet; `checks` validates it and `resolve` lowers it
into the plan that targets render.
"""

from __future__ import annotations

from dataclasses import dataclass

from nsgen.compiler.diagnostics import Span

HOST = "host"
"""The root network namespace, as named in veth ends and routes."""

OUTSIDE = "outside"
"""The sandbox's stand-in for the LAN beyond the host's uplink, as named in expectations."""


@dataclass(frozen=True)
class Word:
    """A name, address or keyword as written, with its span."""

    text: str
    span: Span


@dataclass(frozen=True)
class Number:
    """A whole number as written, with its span."""

    value: int
    span: Span


@dataclass(frozen=True)
class Statement:
    """What every statement carries: its span and its source text (one line)."""

    span: Span
    source: str

    @property
    def origin(self) -> str:
        """`file:line`, the way generated scripts cite a statement."""
        return f"{self.span.file}:{self.span.line}"


@dataclass(frozen=True)
class Lab(Statement):
    """`lab NAME`: the lab's name (default: the file's stem)."""

    name: Word


@dataclass(frozen=True)
class Ipv6(Statement):
    """`ipv6 link-local`: leave IPv6 link-local addressing on the lab's namespace interfaces
    to the kernel (by default nsgen sets `addrgenmode none` on them)."""

    setting: Word


@dataclass(frozen=True)
class Ns(Statement):
    """`ns NAME`: a network namespace."""

    name: Word


@dataclass(frozen=True)
class Option:
    """An `ip ...` or `mtu N` option as written: its keyword, and its span from keyword to last value."""

    keyword: str
    span: Span


@dataclass(frozen=True)
class Bridge(Statement):
    """`bridge NAME [type linux|ovs] [ip ADDR] [mtu N]`: a Linux bridge (or an Open vSwitch bridge) in the host."""

    name: Word
    addresses: tuple[Word, ...]
    mtu: Number | None
    options: tuple[Option, ...] = ()
    """Every option in the order written (a repeated one is an error; `addresses` joins them all)."""
    type: Word | None = None
    """`type linux` (the default) or `type ovs`, as written."""
    types: tuple[Word, ...] = ()
    """Every `type` given (more than one is an error)."""
    namespace: Word | None = None
    """`bridge NS:NAME`: the namespace the bridge is in (None: the host)."""

    @property
    def key(self) -> str:
        """How the lab names it: `NAME`, or `NS:NAME` for a bridge inside namespace NS."""
        return f"{self.namespace.text}:{self.name.text}" if self.namespace else self.name.text

    @property
    def ovs(self) -> bool:
        """True for an Open vSwitch bridge (`type ovs`)."""
        return self.type is not None and self.type.text == "ovs"


@dataclass(frozen=True)
class VethEnd:
    """One end of a veth: what it plugs into (namespace, bridge or host) and its interface name."""

    owner: Word
    ifname: Word | None


@dataclass(frozen=True)
class Veth(Statement):
    """`veth A<->B [ip ADDR[, ADDR]] [mtu N]`: a veth pair."""

    left: VethEnd
    right: VethEnd
    addresses: tuple[Word, ...]
    mtu: Number | None
    options: tuple[Option, ...] = ()
    """Every option in the order written (a repeated one is an error; `addresses` joins them all)."""
    macs: tuple[Word, ...] = ()
    """The `mac` option's values, in the order written."""
    tag: tuple[Number, ...] = ()
    """The `tag` option's values (one VLAN: the Open vSwitch end is an access port in it)."""
    trunks: tuple[Number, ...] = ()
    """The `trunk` option's values (the VLANs the Open vSwitch ends carry tagged)."""


@dataclass(frozen=True)
class Vxlan(Statement):
    """`vxlan [NS:]NAME id N remote ADDR[, ADDR...] [local ADDR] [dev IF] [port N] [bridge BR] [ip ADDR] [mtu N]`:
    a VXLAN device in the host or in namespace NS."""

    namespace: Word | None
    name: Word
    vni: Number | None
    remote: Word | None
    local: Word | None
    device: Word | None
    port: Number | None
    bridge: Word | None
    addresses: tuple[Word, ...]
    mtu: Number | None
    options: tuple[Option, ...] = ()
    """Every option in the order written (a repeated one is an error)."""
    group: Word | None = None
    """`group ADDR`: the multicast group that stands for the peers (instead of `remote`)."""
    remotes: tuple[Word, ...] = ()
    """Every `remote` address, in order (`remote A, B, ...`: one device, a forwarding entry per
    peer); `remote` is the first of them."""


@dataclass(frozen=True)
class Tunnel(Statement):
    """`gre|gretap|ipip [NS:]NAME remote ADDR [local ADDR] [dev IF] [key N] [ttl N] [bridge BR] [ip ADDR]
    [mtu N]`: a point-to-point IPv4 tunnel device in the host or in namespace NS (the three kinds below)."""

    namespace: Word | None
    name: Word
    remote: Word | None
    local: Word | None
    device: Word | None
    key: Number | None
    ttl: Number | None
    bridge: Word | None
    addresses: tuple[Word, ...]
    mtu: Number | None
    options: tuple[Option, ...] = ()
    """Every option in the order written (a repeated one is an error)."""


@dataclass(frozen=True)
class Gre(Tunnel):
    """`gre [NS:]NAME ...`: a GRE tunnel carrying IP packets (an L3 link: addresses, no bridge)."""


@dataclass(frozen=True)
class Gretap(Tunnel):
    """`gretap [NS:]NAME ...`: a GRE tunnel carrying Ethernet frames (an L2 link: a bridge port, or addresses)."""


@dataclass(frozen=True)
class Ipip(Tunnel):
    """`ipip [NS:]NAME ...`: IPv4 in IPv4 (an L3 link, no key)."""


@dataclass(frozen=True)
class Macvlan(Statement):
    """`macvlan NS:NAME on PARENT [mode MODE] [ip ADDR] [mtu N]`: a macvlan in namespace NS whose
    parent is PARENT, an interface in the host."""

    namespace: Word
    name: Word
    parent: Word
    mode: Word | None
    addresses: tuple[Word, ...]
    mtu: Number | None
    options: tuple[Option, ...] = ()
    """Every option in the order written (a repeated one is an error)."""


@dataclass(frozen=True)
class Ipvlan(Macvlan):
    """`ipvlan NS:NAME on PARENT [mode l2|l3|l3s] [ip ADDR] [mtu N]`: an ipvlan in namespace NS
    whose parent is PARENT (the shape of a macvlan; its children share the parent's MAC)."""


@dataclass(frozen=True)
class Route(Statement):
    """`route NS DEST [via GW] [dev IF] [metric N] [onlink]`: a route in a namespace (or `host`);
    DEST None means default."""

    namespace: Word
    destination: Word | None
    gateway: Word | None
    device: Word | None = None
    metric: Number | None = None
    onlink: Word | None = None
    options: tuple[Option, ...] = ()
    """Every option in the order written (a repeated one is an error)."""


@dataclass(frozen=True)
class Router(Statement):
    """`router NS [deny]`: forwarding on in namespace NS (or in the host, `router host`); `deny`:
    NS forwards no new connection but those an `allow ... via NS` names (replies always)."""

    namespace: Word
    deny: Word | None = None


@dataclass(frozen=True)
class Sysctl(Statement):
    """`sysctl NS KEY=VALUE`: a net.* sysctl in namespace NS (or in the host)."""

    namespace: Word
    key: Word
    value: Word


@dataclass(frozen=True)
class Address(Statement):
    """`address NS:IF ADDR[/PREFIX]`: one more address on a lab interface (`lo` too)."""

    namespace: Word
    ifname: Word
    address: Word


@dataclass(frozen=True)
class Masquerade(Statement):
    """`nat masquerade SUBNET [out IFNAME]`: source NAT of a subnet leaving the host."""

    subnet: Word
    out_interface: Word | None
    namespace: Word | None = None
    """`nat NS masquerade ...`: the namespace whose own rules do it (None: the host)."""


@dataclass(frozen=True)
class Forward(Statement):
    """`forward PROTO PORT -> ADDR[:PORT] [in IFNAME]`: DNAT of a host port to a namespace."""

    protocol: Word
    port: Number
    target: Word
    target_port: Number | None
    in_interface: Word | None
    namespace: Word | None = None
    """`forward NS PROTO ...`: the namespace whose own rules do it (None: the host)."""


@dataclass(frozen=True)
class ForwardAddress(Statement):
    """`forward [NS] ADDRESS -> TARGET [in IFNAME]`: DNAT of every connection (all protocols) to one
    address, to a namespace's address."""

    address: Word
    target: Word
    in_interface: Word | None
    namespace: Word | None = None
    """The namespace whose own rules do it (None: the host)."""


@dataclass(frozen=True)
class Redirect(Statement):
    """`redirect NS PROTO PORT -> PORT2 [in IFNAME]`: connections to PORT (arriving, or NS's own to
    its addresses) go to NS's own local PORT2 (REDIRECT)."""

    namespace: Word
    protocol: Word
    port: Number
    to_port: Number
    in_interface: Word | None


@dataclass(frozen=True)
class Run(Statement):
    """`run NS WORD...`: a process in namespace NS, started by setup, stopped by teardown."""

    namespace: Word
    words: tuple[Argument, ...]
    """The command's arguments as written (quotes included)."""


@dataclass(frozen=True)
class Argument:
    """A word of a `run` command as written, with its span: not a Word, since it is never a name or an
    address of the lab (an argument such as `::1` says nothing of the lab's address families)."""

    text: str
    span: Span


@dataclass(frozen=True)
class Isolate(Statement):
    """`isolate NS`: NS accepts no new incoming connections but those an `allow` names."""

    namespace: Word


@dataclass(frozen=True)
class Allow(Statement):
    """`allow FROM -> NS [PROTO PORT]`: FROM (a namespace, `host`, `outside` or a CIDR) may open
    connections to isolated NS (to one port, or to all)."""

    sender: Word
    """FROM as written."""
    namespace: Word
    """TO as written: the isolated namespace, or (with `via`) a namespace, `host`, `outside` or a CIDR."""
    protocol: Word | None
    port: Number | None
    via: Word | None = None
    """`allow FROM -> TO via ROUTER`: a flow router namespace ROUTER (`router ROUTER deny`) forwards."""


@dataclass(frozen=True)
class ExpectPing(Statement):
    """`expect NS [no] ping ADDR`: NS can (or cannot) ping ADDR. Checked by `nsgen test`."""

    source_ns: Word
    negated: bool
    address: Word


@dataclass(frozen=True)
class ExpectConnect(Statement):
    """`expect NS [no] PROTO ADDR:PORT reaches NS2[:PORT] [from ADDR]`: a connection test."""

    source_ns: Word
    negated: bool
    protocol: Word
    address: Word
    port: Number
    listener_ns: Word
    listener_port: Number | None
    seen_from: Word | None


@dataclass(frozen=True)
class Machine(Statement):
    """`machine NAME ADDRESS`: a machine of the lab, by its underlay address (docs/machines.md)."""

    name: Word
    address: Word


@dataclass(frozen=True)
class On(Statement):
    """`on MACHINE { ... }`: the statements in the block are placed on MACHINE. Only a lab with
    machines has these; `nsgen.compiler.machines` splits such a lab into one program per machine."""

    machine: Word
    body: tuple[Statement, ...]


@dataclass(frozen=True)
class Program:
    """A parsed lab file: its statements in source order."""

    file: str
    statements: tuple[Statement, ...]
