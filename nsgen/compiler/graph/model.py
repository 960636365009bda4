"""The lab as a picture, before any format: nodes (namespaces, the host, bridges, VXLAN devices, the
LAN outside) and edges (links, tunnels, NAT and port forwards), built from the resolved plan, so
every interface name and address is the one the scripts use.

A lab across machines (docs/machines.md) is each machine's graph, its nodes in the machine's
cluster (`Node.machine`), with the tunnels between machines joined device to device.

Some fields are hooks for what the language does not have yet and nothing sets: `Node.isolated`
(isolated namespaces), `Edge.vlans` (VLAN tags and trunks) and the `switch` kind (Open vSwitch
bridges). The formats draw them already.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from nsgen.compiler import plan

HOST = "host"
OUTSIDE = "outside"

KINDS = ("namespace", "host", "bridge", "switch", "vxlan", "tunnel", "outside")
"""The kinds of node, each drawn with its own shape."""

DRAWN = ("namespaces", "bridges", "veths", "vxlans", "macvlans", "addresses", "sysctls", "masquerades", "forwards",
         "namespace_rules", "processes", "tunnels")
"""The plan's fields the graph draws (sysctls: only `router`, IPv4 forwarding on)."""
NOT_DRAWN = ("routes", "expectations")
"""The plan's fields it leaves out: a graph of links, not of paths. (tests/test_graph.py fails for a
field of the plan in neither list, so a new kind of plan item is not forgotten.)"""


@dataclass(frozen=True)
class Node:
    """Something the lab has (or talks to): its id, kind and label lines."""

    id: str
    kind: str
    label: tuple[str, ...]
    isolated: bool = False
    """An isolated namespace (`isolate NS`)."""
    machine: str | None = None
    """The machine the node is on (a lab across machines), drawn as a cluster."""


@dataclass(frozen=True)
class Edge:
    """A link, port, tunnel, NAT or forward between two nodes. `tail` and `head` label the ends
    (interface names and addresses); `label` is the middle."""

    tail: str
    head: str
    kind: str
    """link (veth), port (a device on its bridge or namespace), macvlan, tunnel, nat or forward."""
    label: tuple[str, ...] = ()
    tail_label: tuple[str, ...] = ()
    head_label: tuple[str, ...] = ()
    directed: bool = False
    vlans: tuple[str, ...] = ()
    """VLAN tags or trunks on the link (ports of Open vSwitch or Linux bridges)."""


@dataclass(frozen=True)
class LabGraph:
    """The whole picture, nodes and edges in a fixed order (the plan's)."""

    name: str
    file: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


def namespace_id(netns: str | None) -> str:
    return HOST if netns is None else f"ns/{netns}"


def bridge_id(name: str) -> str:
    return f"bridge/{name}"


def vxlan_id(vxlan: plan.Vxlan) -> str:
    return f"vxlan/{vxlan.netns or HOST}/{vxlan.ifname}"


def tunnel_id(tunnel: plan.Tunnel) -> str:
    return f"{tunnel.kind}/{tunnel.netns or HOST}/{tunnel.ifname}"


@dataclass
class _Builder:
    """Collects nodes and edges; the host and the LAN outside appear once something uses them."""

    lab: plan.LabPlan
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    def owner(self, netns: str | None, master: str | None = None) -> str:
        """Where a device is drawn: its bridge, else its namespace (or the host)."""
        node = bridge_id(master) if master else namespace_id(netns)
        self.used.add(node)
        return node

    def edge(self, edge: Edge) -> None:
        self.used.update((edge.tail, edge.head))
        self.edges.append(edge)


def lab_graph(lab: plan.LabPlan) -> LabGraph:
    """The plan as nodes and edges."""
    builder = _Builder(lab)
    for bridge in lab.bridges:
        if bridge.addresses:  # the host's addresses on the bridge: the host is on its link
            builder.edge(Edge(bridge_id(bridge.name), HOST, "port", head_label=bridge.addresses))
    _veths(builder)
    _vxlans(builder)
    _tunnels(builder)
    _macvlans(builder)
    _firewall(builder)
    for address in lab.addresses:
        builder.used.add(namespace_id(address.netns))
    if any(sysctl.netns is None for sysctl in lab.sysctls):
        builder.used.add(HOST)
    isolated = {r.netns for r in lab.namespace_rules if r.isolation is not None}
    nodes = [Node(namespace_id(ns.name), "namespace", (ns.name, *_extras(lab, ns.name)), isolated=ns.name in isolated)
             for ns in lab.namespaces]
    nodes += [Node(bridge_id(b.name), "switch" if b.ovs else "bridge",
                   (b.name, *(("Open vSwitch",) if b.ovs else ()), *((f"mtu {b.mtu}",) if b.mtu else ())))
              for b in lab.bridges]
    nodes += [Node(vxlan_id(v), "vxlan", (v.ifname, f"VNI {v.vni}", *_address(v.address))) for v in lab.vxlans]
    nodes += [Node(tunnel_id(t), "tunnel", (t.ifname, _tunnel_what(t), *_address(t.address))) for t in lab.tunnels]
    if HOST in builder.used:
        nodes.append(Node(HOST, "host", (HOST, *_extras(lab, None))))
    if OUTSIDE in builder.used:
        nodes.append(Node(OUTSIDE, "outside", (OUTSIDE, "(the LAN beyond the host)")))
    return LabGraph(lab.name, lab.file, tuple(nodes), tuple(builder.edges))


def _address(address: str | None) -> tuple[str, ...]:
    return (address,) if address else ()


def _end(name: str, addresses: str | tuple[str, ...] | None) -> tuple[str, ...]:
    """An interface's label: its name and addresses."""
    return (name, *(addresses if isinstance(addresses, tuple) else _address(addresses)))


def _extras(lab: plan.LabPlan, netns: str | None) -> tuple[str, ...]:
    """A namespace's (or the host's) own lines: `router` when it forwards, its extra addresses."""
    router = any(s.netns == netns and s.key in ("net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding")
                 and s.value == "1" for s in lab.sysctls)
    addresses = tuple(f"{a.ifname} {a.address}" for a in lab.addresses if a.netns == netns)
    rules: list[str] = []
    for inside in (r for r in lab.namespace_rules if r.netns == netns):
        rules += [f"MASQUERADE {m.subnet}" + (f" out {m.out_interface}" if m.out_interface else "")
                  for m in inside.masquerades]
        rules += [f"DNAT {f.protocol} {f.port} → {f.target}:{f.target_port}" for f in inside.forwards]
        rules += [f"DNAT {f.address} → {f.target}" for f in inside.address_forwards]
        rules += [f"REDIRECT {r.protocol} {r.port} → :{r.to_port}" + (f" in {r.in_interface}" if r.in_interface else "")
                  for r in inside.redirects]
        if inside.router_filter is not None:
            rules.append("forwards only:")
            rules += [f"  {' '.join(p.sources) or 'outside'} → {' '.join(p.destinations) or 'outside'}"
                      + (f" {p.protocol} {p.port}" if p.protocol else "") for p in inside.passes]
        families = inside.isolation.families if inside.isolation else (4, 6)
        for a in inside.allows:  # the sources of the families it is isolated in (no rule for the others)
            shown = [source for source in a.sources if plan.family(source) in families]
            if shown or a.outside:
                rules.append(f"allow {' '.join(shown) or 'any'}" + (f" {a.protocol} {a.port}" if a.protocol else ""))
    processes = tuple("run " + " ".join(p.argv) for p in lab.processes if p.netns == netns)
    return (("router",) if router else ()) + addresses + tuple(rules) + processes


def _veths(builder: _Builder) -> None:
    """Each veth: a link from its namespace end to its other end (a bridge, the host, a namespace)."""
    for veth in builder.lab.veths:
        inner, outer = veth.inner, veth.outer
        vlans = tuple(f"tag {end.tag}" for end in (inner, outer) if end.tag is not None)
        vlans += tuple(f"trunk {','.join(map(str, end.trunks))}" for end in (inner, outer) if end.trunks)
        builder.edge(Edge(builder.owner(inner.netns, inner.master or inner.ovs),
                          builder.owner(outer.netns, outer.master or outer.ovs), "link",
                          label=(f"mtu {veth.mtu}",) if veth.mtu else (),
                          tail_label=_end(inner.ifname, inner.addresses),
                          head_label=_end(outer.ifname, outer.addresses), vlans=tuple(dict.fromkeys(vlans))))


def _vxlans(builder: _Builder) -> None:
    """Each VXLAN: a device on its bridge or in its namespace, and a tunnel to each of its peers (the
    VXLAN of the same VNI where a remote address is, else that address's owner, else outside)."""
    lab = builder.lab
    owners = _address_owners(lab)
    drawn: set[tuple[str, str]] = set()
    for vxlan in lab.vxlans:
        device = vxlan_id(vxlan)
        underlay = (f"dev {vxlan.device}",) if vxlan.device else ()
        builder.edge(Edge(builder.owner(vxlan.netns, vxlan.master), device, "port", label=underlay))
        if vxlan.group is not None:  # a multicast group: a tunnel to every other vxlan of the VNI in the group
            for other in lab.vxlans:
                if other is not vxlan and other.vni == vxlan.vni and other.group == vxlan.group \
                        and (vxlan_id(other), device) not in drawn:
                    drawn.add((device, vxlan_id(other)))
                    builder.edge(Edge(device, vxlan_id(other), "tunnel",
                                      label=(f"VXLAN {vxlan.vni}, udp {vxlan.port}", f"group {vxlan.group}")))
            continue
        for address in vxlan.fdb or ((vxlan.remote,) if vxlan.remote else ()):
            remote = owners.get(address)
            peer = next((vxlan_id(v) for v in lab.vxlans if v.vni == vxlan.vni and v is not vxlan
                         and namespace_id(v.netns) == remote), None)
            if peer is not None and (peer, device) in drawn:
                continue
            drawn.add((device, peer or ""))
            what = (f"VXLAN {vxlan.vni}, udp {vxlan.port}",)
            if peer is not None:
                builder.edge(Edge(device, peer, "tunnel", label=what))
            else:
                builder.edge(Edge(device, remote or OUTSIDE, "tunnel", label=what, head_label=(address,)))


def _tunnel_what(tunnel: plan.Tunnel) -> str:
    """`GRE`, `gretap` or `ipip`, with its key."""
    name = {"gre": "GRE"}.get(tunnel.kind, tunnel.kind)
    return f"{name} key {tunnel.key}" if tunnel.key is not None else name


def _tunnels(builder: _Builder) -> None:
    """Each GRE, gretap or ipip device, drawn as a VXLAN is: a device on its bridge or in its
    namespace, and a tunnel to its peer (the device of the same kind and key where its remote address
    is, that points back at this one's namespace), else to that address's owner, else outside."""
    lab = builder.lab
    owners = _address_owners(lab)
    drawn: set[tuple[str, str]] = set()
    for tunnel in lab.tunnels:
        device = tunnel_id(tunnel)
        underlay = (f"dev {tunnel.device}",) if tunnel.device else ()
        builder.edge(Edge(builder.owner(tunnel.netns, tunnel.master), device, "port", label=underlay))
        remote = owners.get(tunnel.remote)
        peer = next((tunnel_id(t) for t in lab.tunnels if t is not tunnel and t.kind == tunnel.kind
                     and t.key == tunnel.key and namespace_id(t.netns) == remote
                     and owners.get(t.remote) == namespace_id(tunnel.netns)), None)
        if peer is not None and (peer, device) in drawn:
            continue
        drawn.add((device, peer or ""))
        what = (_tunnel_what(tunnel),)
        if peer is not None:
            builder.edge(Edge(device, peer, "tunnel", label=what))
        else:
            builder.edge(Edge(device, remote or OUTSIDE, "tunnel", label=what, head_label=(tunnel.remote,)))


def _macvlans(builder: _Builder) -> None:
    """Each macvlan: from its namespace to its parent (a lab bridge, else the host's interface)."""
    bridges = {bridge.name for bridge in builder.lab.bridges}
    for macvlan in builder.lab.macvlans:
        on_bridge = macvlan.parent in bridges
        parent = bridge_id(macvlan.parent) if on_bridge else HOST
        mtu = (f"mtu {macvlan.mtu}",) if macvlan.mtu else ()
        builder.edge(Edge(builder.owner(macvlan.netns), parent, "macvlan", label=(f"macvlan {macvlan.mode}", *mtu),
                          tail_label=_end(macvlan.ifname, macvlan.address),
                          head_label=() if on_bridge else (macvlan.parent,)))


def _firewall(builder: _Builder) -> None:
    """MASQUERADE: an arrow from the host to the LAN outside; a port forward: an arrow from outside
    to the namespace that has the target address."""
    lab = builder.lab
    for masquerade in lab.masquerades:
        out = f" out {masquerade.out_interface}" if masquerade.out_interface else ""
        builder.edge(Edge(HOST, OUTSIDE, "nat", label=(f"MASQUERADE {masquerade.subnet}{out}",), directed=True))
    owners = _address_owners(lab)
    for forward in lab.forwards:
        into = f" in {forward.in_interface}" if forward.in_interface else ""
        label = f"{forward.protocol} {forward.port}{into} → {forward.target}:{forward.target_port}"
        builder.edge(Edge(OUTSIDE, owners.get(forward.target, HOST), "forward", label=("DNAT", label), directed=True))


def _address_owners(lab: plan.LabPlan) -> dict[str, str]:
    """Which node has each address of the lab (without prefix): a namespace, a bridge or the host."""
    owners: dict[str, str] = {}

    def add(address: str | None, node: str) -> None:
        if address:
            owners.setdefault(str(ipaddress.ip_interface(address).ip), node)

    for veth in lab.veths:
        for end in (veth.inner, veth.outer):
            for address in end.addresses:
                add(address, namespace_id(end.netns))
    for bridge in lab.bridges:
        for address in bridge.addresses:
            add(address, bridge_id(bridge.name))
    for vxlan in lab.vxlans:
        add(vxlan.address, namespace_id(vxlan.netns))
    for macvlan in lab.macvlans:
        add(macvlan.address, namespace_id(macvlan.netns))
    for tunnel in lab.tunnels:
        add(tunnel.address, namespace_id(tunnel.netns))
    for extra in lab.addresses:
        add(extra.address, namespace_id(extra.netns))
    return owners


def machines_graph(name: str, file: str, plans: dict[str, plan.LabPlan], addresses: dict[str, str]) -> LabGraph:
    """A lab across machines: each machine's graph in its cluster (ids `MACHINE:ID`), the tunnel
    between two machines drawn once, from device to device."""
    machine_at = {address: machine for machine, address in addresses.items()}
    nodes: list[Node] = []
    edges: list[Edge] = []
    graphs = {machine: lab_graph(lab) for machine, lab in plans.items()}
    for machine, graph in graphs.items():
        nodes += [Node(f"{machine}:{n.id}", n.kind, n.label, n.isolated, machine) for n in graph.nodes]
        for edge in graph.edges:
            edges.append(Edge(f"{machine}:{edge.tail}", f"{machine}:{edge.head}", edge.kind, edge.label,
                              edge.tail_label, edge.head_label, edge.directed, edge.vlans))
    joined: list[Edge] = []
    drawn: set[frozenset[str]] = set()
    for edge in edges:
        machine = edge.tail.split(":", 1)[0]
        peer = machine_at.get(edge.head_label[0]) if edge.kind == "tunnel" and edge.head_label else None
        if peer is None or not edge.head.endswith(f":{OUTSIDE}"):
            joined.append(edge)
            continue
        other = next((e.tail for e in edges if e.kind == "tunnel" and e.tail.startswith(f"{peer}:")
                      and e.head_label == (addresses[machine],) and e.label == edge.label), None)
        if other is None:
            joined.append(edge)
        elif frozenset((edge.tail, other)) not in drawn:
            drawn.add(frozenset((edge.tail, other)))
            joined.append(Edge(edge.tail, other, "tunnel", edge.label))
    used = {end for edge in joined for end in (edge.tail, edge.head)}
    kept = [n for n in nodes if n.kind != "outside" or n.id in used]
    return LabGraph(name, file, tuple(kept), tuple(joined))
