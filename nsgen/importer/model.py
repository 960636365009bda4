"""What a script has made so far: namespaces, links, addresses, routes, sysctls and NAT, as the
kernel would hold them after each command (a moved link loses its addresses, a deleted veth takes
its peer with it), with the script lines that made each thing."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from nsgen.compiler.diagnostics import Span


@dataclass
class Address:
    """An interface address: `text` as CIDR, whether the script gave a prefix, and its line."""

    text: str
    line: int
    prefix_given: bool = True

    @property
    def interface(self) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
        return ipaddress.ip_interface(self.text)

    @property
    def family(self) -> int:
        """4 or 6."""
        return 6 if ":" in self.text else 4


@dataclass
class Link:
    """A network interface the script made (or one it only changed: `made` False)."""

    uid: int
    name: str
    netns: str | None
    kind: str
    line: int
    lines: list[int] = field(default_factory=list)
    peer: Link | None = None
    master: str | None = None
    up: bool = False
    mtu: int | None = None
    mac: str | None = None
    addresses: list[Address] = field(default_factory=list)
    addrgenmode: str | None = None
    info: dict[str, str] = field(default_factory=dict)
    """vxlan: id, remote, local, dev, port; macvlan: parent, mode."""
    made: bool = True
    where: Span | None = None
    """Where the script names it when it makes it (for diagnostics about the link)."""

    def touch(self, line: int) -> None:
        """Note a script line that changed this link (its comments go with the link's statement)."""
        if line not in self.lines:
            self.lines.append(line)


@dataclass
class Namespace:
    """A network namespace the script made."""

    name: str
    line: int
    lines: list[int] = field(default_factory=list)


@dataclass
class Route:
    """A route as the script added it; `dev` None when it named no device."""

    netns: str | None
    destination: str
    gateway: str | None
    dev: str | None
    metric: int | None
    onlink: bool
    line: int
    family: int = 4
    """4 or 6: its destination's or gateway's (`default` of `ip -6 route` is IPv6's)."""


@dataclass
class Sysctl:
    """A net.* sysctl the script set."""

    netns: str | None
    key: str
    value: str
    line: int


@dataclass
class Masquerade:
    """Source NAT of a subnet (MASQUERADE, or SNAT taken as it)."""

    subnet: str
    out_interface: str | None
    line: int


@dataclass
class Forward:
    """DNAT of a host port to an address and port."""

    protocol: str
    port: int
    target: str
    target_port: int
    in_interface: str | None
    line: int


@dataclass
class AddressForward:
    """DNAT of one whole address inside a namespace (`forward NS ADDRESS -> TARGET`)."""

    address: str
    target: str
    in_interface: str | None
    line: int


@dataclass
class Redirect:
    """REDIRECT of a port to a local port inside a namespace (`redirect NS PROTO PORT -> PORT2`)."""

    protocol: str
    port: int
    to_port: int
    in_interface: str | None
    line: int


@dataclass
class Expect:
    """A ping the script runs, kept as `expect NS ping ADDRESS`."""

    netns: str
    address: str
    line: int


@dataclass
class Model:
    """Everything the script has made, in the order it made it."""

    namespaces: dict[str, Namespace] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    sysctls: dict[tuple[str | None, str], Sysctl] = field(default_factory=dict)
    masquerades: list[Masquerade] = field(default_factory=list)
    forwards: list[Forward] = field(default_factory=list)
    address_forwards: list[AddressForward] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    expects: list[Expect] = field(default_factory=list)
    inside: list[tuple[str, int, int]] = field(default_factory=list)
    """Lab lines about rules and processes inside namespaces (`nat NS`, `forward NS`, `isolate`,
    `allow`, `run`): (text, script line, the emitter's order)."""
    routers_cited: set[str] = field(default_factory=set)
    deny_routers: dict[str, list[int]] = field(default_factory=dict)
    """Namespaces whose FORWARD rules deny what they do not accept (`router NS deny`): their lines."""
    """Namespaces whose `router NS` line nsgen's own script cites (see `import_script`)."""
    lab_name: str | None = None
    nsgen_made: bool = False
    """True when the script carries nsgen's own marks (a script nsgen wrote)."""
    addrgenmode_set: bool = False
    gone_with_peer: dict[tuple[str | None, str], str] = field(default_factory=dict)
    """(namespace, name) of veth ends deleted with their peer -> that peer's name."""
    gone_names: set[str] = field(default_factory=set)
    """Names of links the script made and then deleted or renamed."""
    unread: list[tuple[str, str, str]] = field(default_factory=list)
    """`--live`: links in the namespaces read whose kind it does not read, (namespace, name, kind)."""
    _next: int = 0

    def new_uid(self) -> int:
        self._next += 1
        return self._next

    def link(self, netns: str | None, name: str) -> Link | None:
        """The live link called `name` in `netns` (None: the host; its `lo` is always there)."""
        for link in self.links:
            if link.netns == netns and link.name == name:
                return link
        if netns is None and name == "lo":
            loopback = Link(self.new_uid(), "lo", None, "loopback", 0, made=False)
            self.links.append(loopback)
            return loopback
        return None

    def remove_link(self, link: Link) -> None:
        """Delete a link as the kernel does: its veth peer too, and the routes through either."""
        if link.peer is not None:
            self.gone_with_peer[(link.peer.netns, link.peer.name)] = link.name
        for gone in [link, link.peer] if link.peer is not None else [link]:
            self.gone_names.add(gone.name)
            if gone in self.links:
                self.links.remove(gone)
                self.drop_routes_through(gone)
            for other in self.links:
                if other.master == gone.name and other.netns == gone.netns:
                    other.master = None

    def drop_routes_through(self, link: Link) -> None:
        """Routes that leave by `link` (by name, or by a gateway on its subnets) go when it goes."""
        subnets = [a.interface.network for a in link.addresses]
        kept = []
        for route in self.routes:
            through = route.netns == link.netns and (
                route.dev == link.name
                or (route.dev is None and route.gateway is not None
                    and any(ipaddress.ip_address(route.gateway) in net for net in subnets)))
            if not through:
                kept.append(route)
        self.routes = kept

    def remove_namespace(self, name: str) -> None:
        """`ip netns del`: its links (and their veth peers elsewhere), routes and sysctls go."""
        self.namespaces.pop(name, None)
        for link in [link for link in self.links if link.netns == name]:
            self.remove_link(link)
        self.routes = [route for route in self.routes if route.netns != name]
        self.sysctls = {key: value for key, value in self.sysctls.items() if key[0] != name}

    def subnets(self) -> list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, Link]]:
        """Every subnet a live link has an address on (given with a prefix), bridges first."""
        found = [(a.interface.network, link) for link in self.links for a in link.addresses
                 if a.prefix_given and a.interface.network.prefixlen < a.interface.max_prefixlen]
        return sorted(found, key=lambda item: item[1].kind != "bridge")
