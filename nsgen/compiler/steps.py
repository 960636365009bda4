"""The lab as one ordered list of typed steps: what every style renders, setup, teardown and inspect alike.

`lower` turns a plan into steps. Each step knows where it runs (`netns`: a namespace, or None for
the host), the lab-file statement it comes from (`origin`) and, when it creates something, the
step that undoes it (`undo`). Steps are ordered so each one's prerequisites come first: namespaces,
then bridges, veth pairs, VXLAN devices, GRE/gretap/ipip tunnels, macvlans, routes, the firewall (the host's, then each
namespace's), the sysctls and last the `run` processes; within each, in lab order.

A step's `kind` names its words: a macro in templates/steps/words.j2 holds the `ip` words of the
step (without `ip` or `-n NS`; non-`ip` steps have templates/steps/<kind>.j2), the one place that
command is written; styles decide how to run it.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar

from nsgen.compiler import plan as p
from nsgen.compiler.symbols import link_local_of

STATE_ROOT = "/run/nsgen"
"""Where setup scripts keep what teardown needs: labs/LAB/ per lab (its record of what it created,
its source, its lock) and host/ for host settings labs share (a sysctl's value before the first
lab changed it, and which labs need it changed). /run is emptied at boot, like the lab itself."""

ALIAS_MAX = 255
"""Longest interface alias the kernel keeps (IFALIASZ 256, with its NUL)."""


def lab_mark(lab: str) -> str:
    """The alias that marks links this lab's setup created: `nsgen:LAB`, or for a lab name too long
    for an alias, `nsgen:` and the name's start and a hash of the whole name."""
    return "nsgen:" + _bounded(lab, ALIAS_MAX - len("nsgen:"))


FILE_NAME_MAX = 255
"""Longest file name Linux allows (NAME_MAX)."""


def lab_dir(lab: str) -> str:
    """The folder of the lab's state: STATE_ROOT/labs/LAB (a name too long for a file name hashed)."""
    return f"{STATE_ROOT}/labs/{_bounded(lab, FILE_NAME_MAX)}"


def _bounded(lab: str, limit: int) -> str:
    """The lab name if it fits in `limit` bytes, else its start, `~` and a hash of the whole name."""
    if len(lab.encode()) <= limit:
        return lab
    digest = hashlib.sha256(lab.encode()).hexdigest()[:16]
    keep = lab.encode()[: limit - len(digest) - 1].decode(errors="ignore")
    return f"{keep}~{digest}"


@dataclass(frozen=True)
class Step:
    """One thing a script does, where, and because of which lab-file statement."""

    origin: p.Origin
    netns: str | None

    kind: ClassVar[str] = ""
    creates: ClassVar[bool] = False
    """True for steps that make something new (guarded and undone); False for steps safe to repeat."""
    ip_words: ClassVar[bool] = True
    """True for steps that are one `ip` command (they may share an `ip -batch`)."""

    def undo(self) -> Step | None:
        """The step that removes what this one created, or None."""
        return None


@dataclass(frozen=True)
class AddNamespace(Step):
    """`ip netns add NAME` (runs in the host)."""

    name: str
    kind: ClassVar[str] = "add_namespace"
    creates: ClassVar[bool] = True


    def undo(self) -> Step:
        return DeleteNamespace(self.origin, None, self.name)


@dataclass(frozen=True)
class AddLink(Step):
    """`ip link add IFNAME [master M] [mtu N] [up] type TYPE [peer name P [netns NS]]`.

    `mark` is the alias a link in the host gets when this run creates it: teardown deletes only
    links with it. An `adoptable` link (a bridge) that is there already is used as it is; any other
    link in the host that is there already without the mark is refused, never taken over.
    """

    ifname: str
    type: str
    master: str | None = None
    mtu: int | None = None
    up: bool = False
    peer: str | None = None
    peer_netns: str | None = None
    mark: str | None = None
    adoptable: bool = False
    addresses: tuple[str, ...] = ()
    """For an adoptable bridge: the addresses setup gives it (for its undo)."""
    vxlan: p.Vxlan | None = None
    """For type vxlan: its VNI, peer, underlay and port (the words after `type vxlan`)."""
    macvlan: p.Macvlan | None = None
    """For type macvlan: its parent in the host and its mode. The link lives in `netns` but is
    created from the host (`link PARENT ... netns NS`): the parent is found where `ip` runs."""
    tunnel: p.Tunnel | None = None
    """For type gre, gretap or ipip: its peer, local address, underlay, key and TTL."""
    vlan_filtering: bool = False
    """For a Linux bridge with VLAN ports: made with `vlan_filtering 1` (one that was there before
    is switched to it, and teardown puts back what it had)."""
    self_vlan: int | None = None
    """For such a bridge: the VLAN its own addresses are in, when not VLAN 1 (see `bridge_vlans`)."""
    kind: ClassVar[str] = "add_link"
    creates: ClassVar[bool] = True

    @property
    def runs_in(self) -> str | None:
        """Where the `ip` command that creates it runs: the host for a macvlan, else `netns`."""
        return None if self.macvlan is not None else self.netns


    def undo(self) -> Step:
        return DeleteLink(self.origin, self.netns, self.ifname, self.type, self.mark, self.peer_netns,
                          self.adoptable, self.addresses, self.vlan_filtering)


@dataclass(frozen=True)
class SetLink(Step):
    """`ip link set dev IFNAME addrgenmode MODE`, `ip link set dev IFNAME address MAC`, or
    `ip link set dev IFNAME [master M] [mtu N] [up]`.

    The IPv6 address generation mode goes in a request of its own, before `up`: in one request
    the kernel raises the link before it reads the mode, so a link-local address may come first.
    """

    ifname: str
    master: str | None = None
    mtu: int | None = None
    up: bool = False
    addrgenmode: str | None = None
    fresh_only: bool = False
    """Only in a namespace the lab's setup created (a namespace that was there before keeps its `lo` as it is)."""
    mac: str | None = None
    kind: ClassVar[str] = "set_link"


@dataclass(frozen=True)
class AddAddress(Step):
    """`ip addr replace ADDRESS dev IFNAME` (replace: a rerun keeps one copy). One in a namespace
    goes in the lab's record (so an edited lab converges, and teardown removes it from a namespace
    that was there before); one in the host is on a link the lab made or a bridge it puts back."""

    ifname: str
    address: str
    why: str = ""
    """Said in a comment before it, for an address the lab file does not give (a link-local one)."""
    kind: ClassVar[str] = "add_address"

    @property
    def nodad(self) -> bool:
        """IPv6 addresses are added with `nodad`: usable at once, not `tentative` for a second while
        duplicate address detection runs (the lab's checks refuse duplicates instead)."""
        return p.family(self.address) == 6

    def undo(self) -> Step | None:
        return DeleteAddress(self.origin, self.netns, self.ifname, self.address) if self.netns else None


@dataclass(frozen=True)
class AddRoute(Step):
    """`ip route add DESTINATION [via GATEWAY] [dev IFNAME] [metric N] [onlink]`."""

    destination: str
    gateway: str | None
    device: str | None = None
    metric: int | None = None
    onlink: bool = False
    kind: ClassVar[str] = "add_route"
    creates: ClassVar[bool] = True

    @property
    def family(self) -> int:
        """6 for an IPv6 route (its destination or gateway IPv6), else 4."""
        return route_family(self.destination, self.gateway)


    def undo(self) -> Step:
        return DeleteRoute(self.origin, self.netns, self.destination, self.gateway, self.device, self.metric)


@dataclass(frozen=True)
class SetNamespaceSysctl(Step):
    """`ip netns exec NS sysctl -qw KEY=VALUE`. In a namespace the lab made there is nothing to
    restore (it dies with the lab); in one that was there before, the guarded styles keep the value
    found first (`record`) and teardown puts it back."""

    key: str
    value: str
    record: str = ""
    kind: ClassVar[str] = "set_ns_sysctl"
    ip_words: ClassVar[bool] = False
    creates: ClassVar[bool] = False

    def undo(self) -> Step:
        return RestoreNamespaceSysctl(self.origin, self.netns, self.key, self.record)


@dataclass(frozen=True)
class RestoreNamespaceSysctl(Step):
    """Put back a sysctl of a namespace that was there before the lab, if setup kept its value."""

    key: str
    record: str
    kind: ClassVar[str] = "restore_ns_sysctl"
    ip_words: ClassVar[bool] = False


@dataclass(frozen=True)
class LoadRules(Step):
    """The lab's firewall rules in one transaction (the target decides the tool and where they live)."""

    masquerades: tuple[p.Masquerade, ...]
    forwards: tuple[p.Forward, ...]
    kind: ClassVar[str] = "load_rules"
    creates: ClassVar[bool] = True

    @property
    def rules(self) -> tuple[p.Masquerade | p.Forward, ...]:
        """Every rule statement, in lab order of kind (masquerades, then forwards)."""
        return self.masquerades + self.forwards

    def undo(self) -> Step:
        return RemoveRules(self.origin, self.netns)


@dataclass(frozen=True)
class LoadNamespaceRules(Step):
    """The lab's rules inside namespace `netns`, in one transaction run there (`ip netns exec`), in
    lab-owned chains or a lab-owned table: a namespace's own rules are never touched."""

    rules: p.NamespaceRules
    kind: ClassVar[str] = "load_ns_rules"
    creates: ClassVar[bool] = True
    ip_words: ClassVar[bool] = False

    def undo(self) -> Step:
        rules = self.rules
        return RemoveNamespaceRules(self.origin, self.netns, rules.families,
                                    tuple((af, kind) for af in rules.families for kind in rules.chains_of(af)))


@dataclass(frozen=True)
class StartProcess(Step):
    """Start a `run` process in its namespace, detached (`setsid ip netns exec NS ARGV...`), its pid
    and start time kept in `pidfile`, its output in `log`; guarded styles leave one still running alone."""

    argv: tuple[str, ...]
    ident: str
    pidfile: str
    log: str
    kind: ClassVar[str] = "start_process"
    creates: ClassVar[bool] = True
    ip_words: ClassVar[bool] = False

    def undo(self) -> Step:
        return StopProcess(self.origin, self.netns, self.ident, self.pidfile, self.log)


@dataclass(frozen=True)
class SetSysctl(Step):
    """Write VALUE to /proc/sys/KEY. Labs share the host's sysctls: the value found before the first
    lab that needs the change is kept in `record` (a folder under STATE_ROOT/host), with one file
    per lab that needs it; it comes back when the last of them is torn down."""

    key: str
    value: str
    record: str
    reason: str
    kind: ClassVar[str] = "set_sysctl"
    creates: ClassVar[bool] = True

    @property
    def path(self) -> str:
        """The sysctl's file under /proc/sys."""
        return "/proc/sys/" + self.key.replace(".", "/")

    def undo(self) -> Step:
        return RestoreSysctl(self.origin, self.netns, self.key, self.record)


@dataclass(frozen=True)
class AddOvsBridge(Step):
    """`ovs-vsctl --may-exist add-br NAME -- set bridge NAME datapath_type=D` (in the host): D is the
    datapath the script picked (`$ovs_datapath`). One that was there before is used as it is."""

    name: str
    kind: ClassVar[str] = "add_ovs_bridge"
    creates: ClassVar[bool] = True
    ip_words: ClassVar[bool] = False

    def undo(self) -> Step:
        return DeleteOvsBridge(self.origin, None, self.name)


@dataclass(frozen=True)
class AddOvsPort(Step):
    """`ovs-vsctl --may-exist add-port BRIDGE IFNAME` and its VLANs set (or cleared), in one
    transaction: an access port in VLAN `tag`, a trunk of `trunks`, else untagged."""

    bridge: str
    ifname: str
    tag: int | None = None
    trunks: tuple[int, ...] = ()
    kind: ClassVar[str] = "add_ovs_port"
    creates: ClassVar[bool] = True
    ip_words: ClassVar[bool] = False

    def undo(self) -> Step:
        return DeleteOvsPort(self.origin, None, self.bridge, self.ifname)


@dataclass(frozen=True)
class TxOffloadOff(Step):
    """`ethtool -K IFNAME tx off`, only when Open vSwitch bridge `bridge` runs on the userspace
    datapath: it forwards frames whose TCP/UDP checksum the sending veth left for the hardware
    to fill in, and nothing does (pings pass, TCP connections time out)."""

    ifname: str
    bridge: str
    kind: ClassVar[str] = "tx_offload_off"
    ip_words: ClassVar[bool] = False


@dataclass(frozen=True)
class AddFdbEntry(Step):
    """`bridge fdb append 00:00:00:00:00:00 dev IFNAME dst ADDRESS`: a VXLAN device with several
    peers sends frames for all (broadcasts, unknown MACs) to each of them. Safe to repeat (the
    kernel takes an entry it has already without complaint: measured); it goes with its device."""

    ifname: str
    dst: str
    kind: ClassVar[str] = "add_fdb"
    ip_words: ClassVar[bool] = False


@dataclass(frozen=True)
class BridgeVlan(Step):
    """`bridge [-n NS] vlan add|del dev IFNAME vid N [pvid untagged] [self]`: a VLAN of a port of a
    Linux bridge with VLAN filtering (`self`: of the bridge itself). An access port (`access`) gets
    its VLAN as pvid, sent untagged; a trunk port carries its VLANs tagged. Nothing to undo: a port
    takes its VLANs with it (a bridge that was there before gets its own back from `put_back`)."""

    ifname: str
    vid: int
    add: bool = True
    access: bool = False
    on_bridge: bool = False
    kind: ClassVar[str] = "bridge_vlan"
    ip_words: ClassVar[bool] = False


# what teardown does -----------------------------------------------------------------------


@dataclass(frozen=True)
class DeleteNamespace(Step):
    """`ip netns del NAME`: its interfaces (and their veth peers) and routes go with it."""

    name: str
    kind: ClassVar[str] = "del_namespace"



@dataclass(frozen=True)
class DeleteLink(Step):
    """`ip link del IFNAME` (a veth's peer goes with it); a link in the host only if it carries `mark`."""

    ifname: str
    type: str
    mark: str | None = None
    peer_netns: str | None = None
    adoptable: bool = False
    """A bridge that may have been there before the lab: teardown then puts back what setup changed."""
    addresses: tuple[str, ...] = ()
    """The addresses setup gives it (teardown removes those it did not have before)."""
    vlan_filtering: bool = False
    """Setup turned VLAN filtering on (teardown of a bridge that was there before puts it back)."""
    kind: ClassVar[str] = "del_link"

    @property
    def with_peer(self) -> str:
        """`IFNAME:PEER_NETNS`, for veths_gone: the host end goes when its peer's namespace does."""
        return f"{self.ifname}:{self.peer_netns}"


@dataclass(frozen=True)
class DeleteOvsPort(Step):
    """`ovs-vsctl --if-exists del-port BRIDGE IFNAME` (Open vSwitch keeps a port whose interface is gone)."""

    bridge: str
    ifname: str
    kind: ClassVar[str] = "del_ovs_port"


@dataclass(frozen=True)
class DeleteOvsBridge(Step):
    """`ovs-vsctl --if-exists del-br NAME`: only one the lab's record says its setup created."""

    name: str
    kind: ClassVar[str] = "del_ovs_bridge"


@dataclass(frozen=True)
class DeleteAddress(Step):
    """`ip addr del ADDRESS dev IFNAME` (in a namespace that was there before the lab)."""

    ifname: str
    address: str
    kind: ClassVar[str] = "del_address"


@dataclass(frozen=True)
class DeleteRoute(Step):
    """`ip route del DESTINATION [via GATEWAY] [dev IFNAME] [metric N]`: only the route setup added
    (guarded styles first check it is there with its metric)."""

    destination: str
    gateway: str | None
    device: str | None = None
    metric: int | None = None
    kind: ClassVar[str] = "del_route"

    @property
    def family(self) -> int:
        """6 for an IPv6 route (its destination or gateway IPv6), else 4."""
        return route_family(self.destination, self.gateway)



@dataclass(frozen=True)
class RemoveRules(Step):
    """Unhook and delete the lab's own firewall chains or table."""

    kind: ClassVar[str] = "remove_rules"


@dataclass(frozen=True)
class StopProcess(Step):
    """Stop a `run` process by the pid setup kept, only if that pid still is the process it started
    (its start time, /proc/PID/stat field 22): TERM, then KILL after a bounded wait; then its pid
    file and log go."""

    ident: str
    pidfile: str
    log: str
    kind: ClassVar[str] = "stop_process"
    ip_words: ClassVar[bool] = False


@dataclass(frozen=True)
class RemoveNamespaceRules(Step):
    """Unhook and delete the lab's own chains or table inside a namespace (one that was there before
    the lab; in the lab's own namespaces they go with it)."""

    families: tuple[int, ...] = (4,)
    """The address families of the rules (the plain style removes those; the guarded ones look in both)."""
    chains: tuple[tuple[int, str], ...] = ()
    """(family, chain kind) of the lab chains setup made there (the plain style removes those)."""
    kind: ClassVar[str] = "remove_ns_rules"
    ip_words: ClassVar[bool] = False


@dataclass(frozen=True)
class RestoreSysctl(Step):
    """Let go of a host sysctl: put back the value it had before the first lab changed it, from its
    record, once no other lab needs the change."""

    key: str
    record: str
    kind: ClassVar[str] = "restore_sysctl"

    @property
    def path(self) -> str:
        """The sysctl's file under /proc/sys."""
        return "/proc/sys/" + self.key.replace(".", "/")


def route_family(destination: str, gateway: str | None) -> int:
    """A route's family: its destination's, else (for `default`) its gateway's; IPv4 without either."""
    return 6 if p.family(destination) == 6 or p.family(gateway or "") == 6 else 4


S = TypeVar("S", bound=Step)


# lowering -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Steps:
    """A lab's steps, in the order setup runs them, with the teardown derived from them."""

    lab: str
    state_dir: str
    """The lab's own state folder (see `lab_dir`): `record`, `source` and `lock` in it."""
    mark: str
    """The alias of the links this lab's setup creates (see `lab_mark`)."""
    setup: tuple[Step, ...]
    teardown: tuple[Step, ...] = field(default=())
    source: str = ""
    """The lab file's identity (LabPlan.source), kept in the record: another file with the same
    lab name is refused."""
    namespaces: frozenset[str] = frozenset()
    """The namespaces the lab declares. Setup creates those missing; one that was there already is
    used but never deleted, so teardown also undoes what the lab did inside it."""

    @property
    def label(self) -> str:
        """The lab's name as a file name (hashed if too long): its folder under labs/, its file
        among the labs that need a host sysctl changed."""
        return self.state_dir.rsplit("/", 1)[1]

    @property
    def record(self) -> str:
        """The lab's record: one line per thing its setups created (see templates/helpers/record.sh.j2)."""
        return f"{self.state_dir}/record"

    def of(self, kind: type[S]) -> list[S]:
        """The setup steps of one kind, in order."""
        return [step for step in self.setup if isinstance(step, kind)]

    def of_kind(self, kind: str) -> list[Step]:
        """The setup steps whose template is `kind`, in order (for templates)."""
        return [step for step in self.setup if step.kind == kind]


_TEARDOWN_ORDER: tuple[type[Step], ...] = (
    StopProcess, RemoveRules, RemoveNamespaceRules, DeleteRoute, DeleteAddress, RestoreNamespaceSysctl, DeleteOvsPort,
    DeleteOvsBridge, DeleteNamespace, DeleteLink, RestoreSysctl,
)
"""Teardown runs the undo steps in this order of kind (each kind newest first): `run` processes (a
process keeps its namespace alive), rules (the host's, then those in namespaces that were there
before the lab), host routes, Open vSwitch ports and bridges, then namespaces (the kernel removes
their veth peers in the background, all at once), then the host's own links, last the sysctls."""


def lower(lab: p.LabPlan) -> Steps:
    """The lab's setup steps, and its teardown: the undo of every step. Whether a namespace is the
    lab's (so what is inside it goes with it) is known only when the script runs: the lab's record
    says which namespaces its setups created."""
    vlans = bridge_vlans(lab)
    setup = (
        [step for ns in lab.namespaces for step in _namespace(ns)]
        + [step for bridge in lab.bridges for step in _bridge(bridge, lab.name, vlans)]
        + [step for veth in lab.veths for step in _veth(veth, lab_mark(lab.name), vlans)]
        + [step for vxlan in lab.vxlans for step in _vxlan(vxlan, lab_mark(lab.name))]
        + [step for tunnel in lab.tunnels for step in _tunnel(tunnel, lab_mark(lab.name))]
        + [step for macvlan in lab.macvlans for step in _macvlan(macvlan)]
        + _addresses(lab)
        + [AddRoute(r.origin, r.netns, r.destination, r.gateway, r.device, r.metric, r.onlink) for r in lab.routes]
        + _firewall(lab)
        + [LoadNamespaceRules(rules.origin, rules.netns, rules) for rules in lab.namespace_rules]
        + _sysctls(lab)
        + [_process(process, lab.name) for process in lab.processes]
    )
    return Steps(lab.name, lab_dir(lab.name), lab_mark(lab.name), tuple(setup), _teardown(setup), lab.source,
                 frozenset(ns.name for ns in lab.namespaces))


def _namespace(ns: p.Namespace) -> list[Step]:
    return [AddNamespace(ns.origin, None, ns.name), SetLink(ns.origin, ns.name, "lo", up=True, fresh_only=True)]


def _bridge(bridge: p.Bridge, lab: str, vlans: dict[tuple[str | None, str], int | None]) -> list[Step]:
    if bridge.ovs:
        return _ovs_bridge(bridge)
    filtering = (bridge.netns, bridge.name) in vlans
    self_vlan = vlans.get((bridge.netns, bridge.name))
    if bridge.netns is not None:  # inside a namespace: recorded like the lab's other links there
        steps: list[Step] = [AddLink(bridge.origin, bridge.netns, bridge.name, "bridge", vlan_filtering=filtering,
                                     self_vlan=self_vlan)]
        if bridge.addrgenmode:
            steps.append(SetLink(bridge.origin, bridge.netns, bridge.name, addrgenmode=bridge.addrgenmode))
    else:
        steps = [AddLink(bridge.origin, None, bridge.name, "bridge", mark=lab_mark(lab), adoptable=True,
                         addresses=bridge.addresses, vlan_filtering=filtering, self_vlan=self_vlan)]
    if self_vlan is not None:  # its own addresses are in that VLAN, not in VLAN 1
        steps += [BridgeVlan(bridge.origin, bridge.netns, bridge.name, 1, add=False, on_bridge=True),
                  BridgeVlan(bridge.origin, bridge.netns, bridge.name, self_vlan, access=True, on_bridge=True)]
    steps.append(SetLink(bridge.origin, bridge.netns, bridge.name, mtu=bridge.mtu, up=True))
    steps += [AddAddress(bridge.origin, bridge.netns, bridge.name, address) for address in bridge.addresses]
    return steps


def bridge_vlans(lab: p.LabPlan) -> dict[tuple[str | None, str], int | None]:
    """The Linux bridges with VLAN ports (`tag`, `trunk`), as (namespace, name): they filter VLANs.
    Each with the VLAN its own addresses are in: that of the access ports whose other end has an
    address in one of the bridge's subnets (checks refuse two), else None (VLAN 1, as the kernel
    makes it, with the untagged ports)."""
    found: dict[tuple[str | None, str], int | None] = {}
    for veth in lab.veths:
        for end in (veth.outer, veth.inner):
            if end.master is not None and (end.tag is not None or end.trunks):
                found.setdefault((end.netns, end.master), None)
    for bridge in lab.bridges:
        key = (bridge.netns, bridge.name)
        if key not in found or not bridge.addresses:
            continue
        subnets = [ipaddress.ip_interface(address).network for address in bridge.addresses]
        for veth in lab.veths:
            for end, other in ((veth.outer, veth.inner), (veth.inner, veth.outer)):
                if (end.netns, end.master) == key and end.tag is not None and found[key] is None \
                        and any(ipaddress.ip_interface(a).ip in subnet for a in other.addresses for subnet in subnets):
                    found[key] = end.tag
    return found


def _port_vlans(veth: p.Veth, end: p.VethEnd) -> list[Step]:
    """The VLANs of a veth end on a Linux bridge with VLAN filtering: an access port leaves VLAN 1
    (the kernel's default) for its own, as pvid and untagged; a trunk leaves VLAN 1 and carries its
    VLANs tagged (as an Open vSwitch trunk, it carries no untagged frames)."""
    if end.master is None or (end.tag is None and not end.trunks):
        return []
    steps: list[Step] = [BridgeVlan(veth.origin, end.netns, end.ifname, 1, add=False)]
    if end.tag is not None:
        return [*steps, BridgeVlan(veth.origin, end.netns, end.ifname, end.tag, access=True)]
    return steps + [BridgeVlan(veth.origin, end.netns, end.ifname, vid) for vid in end.trunks]


def _ovs_bridge(bridge: p.Bridge) -> list[Step]:
    """An Open vSwitch bridge; its internal interface (same name) raised, with its MTU and addresses."""
    steps: list[Step] = [AddOvsBridge(bridge.origin, None, bridge.name),
                         SetLink(bridge.origin, None, bridge.name, mtu=bridge.mtu, up=True)]
    steps += [AddAddress(bridge.origin, None, bridge.name, address) for address in bridge.addresses]
    return steps


def _ovs_ports(veth: p.Veth) -> list[Step]:
    """The veth's ends on Open vSwitch bridges become their ports (after they are up); on the
    userspace datapath both ends then lose TX checksum offload (see TxOffloadOff)."""
    ports = [end for end in (veth.outer, veth.inner) if end.ovs]
    if not ports:
        return []
    steps: list[Step] = [AddOvsPort(veth.origin, None, end.ovs, end.ifname, end.tag, end.trunks)
                         for end in ports if end.ovs]
    return steps + [TxOffloadOff(veth.origin, end.netns, end.ifname, ports[0].ovs or "")
                    for end in (veth.outer, veth.inner)]


def _veth(veth: p.Veth, mark: str, vlans: dict[tuple[str | None, str], int | None]) -> list[Step]:
    """The pair is made from its outer end, the peer sent straight into its namespace. The outer
    end comes up as it is made unless it needs an address generation mode first. An outer end in
    the host is marked (inside a lab namespace, the pair goes with the namespace)."""
    outer, inner = veth.outer, veth.inner
    raised = not (outer.addrgenmode or outer.mac)
    steps: list[Step] = [AddLink(veth.origin, outer.netns, outer.ifname, "veth", master=outer.master,
                                 mtu=veth.mtu, up=raised, peer=inner.ifname, peer_netns=inner.netns,
                                 mark=mark if outer.netns is None else None)]
    steps += _end(veth, outer, raise_it=not raised)
    steps += _end(veth, inner, raise_it=True)
    steps += [step for end in (outer, inner) if (end.netns, end.master) in vlans for step in _port_vlans(veth, end)]
    return steps + _ovs_ports(veth)


def _vxlan(vxlan: p.Vxlan, mark: str) -> list[Step]:
    """After the veths (its underlay device may be one). Made with its bridge, MTU and `up` in one
    request unless it needs an address generation mode first; a VXLAN in the host is marked. With
    several peers, a forwarding entry for each."""
    raised = not vxlan.addrgenmode
    steps: list[Step] = [AddLink(vxlan.origin, vxlan.netns, vxlan.ifname, "vxlan", master=vxlan.master,
                                 mtu=vxlan.mtu, up=raised, mark=mark if vxlan.netns is None else None,
                                 vxlan=vxlan)]
    if not raised:
        steps += [SetLink(vxlan.origin, vxlan.netns, vxlan.ifname, addrgenmode=vxlan.addrgenmode),
                  SetLink(vxlan.origin, vxlan.netns, vxlan.ifname, master=vxlan.master, mtu=vxlan.mtu, up=True)]
    steps += [AddFdbEntry(vxlan.origin, vxlan.netns, vxlan.ifname, peer) for peer in vxlan.fdb]
    if vxlan.address:
        steps.append(AddAddress(vxlan.origin, vxlan.netns, vxlan.ifname, vxlan.address))
        steps += _link_local(vxlan.origin, vxlan.netns, vxlan.ifname, vxlan.addrgenmode, (vxlan.address,))
    return steps


def _tunnel(tunnel: p.Tunnel, mark: str) -> list[Step]:
    """After the VXLANs, as a VXLAN is made (its underlay device may be a veth end): with its bridge,
    MTU and `up` in one request unless it needs an address generation mode first; marked in the host."""
    raised = not tunnel.addrgenmode
    steps: list[Step] = [AddLink(tunnel.origin, tunnel.netns, tunnel.ifname, tunnel.kind, master=tunnel.master,
                                 mtu=tunnel.mtu, up=raised, mark=mark if tunnel.netns is None else None,
                                 tunnel=tunnel)]
    if not raised:
        steps += [SetLink(tunnel.origin, tunnel.netns, tunnel.ifname, addrgenmode=tunnel.addrgenmode),
                  SetLink(tunnel.origin, tunnel.netns, tunnel.ifname, master=tunnel.master, mtu=tunnel.mtu, up=True)]
    if tunnel.address:
        steps.append(AddAddress(tunnel.origin, tunnel.netns, tunnel.ifname, tunnel.address))
        steps += _link_local(tunnel.origin, tunnel.netns, tunnel.ifname, tunnel.addrgenmode, (tunnel.address,))
    return steps


def _macvlan(macvlan: p.Macvlan) -> list[Step]:
    """After the veths and VXLANs (its parent may be a host veth end). Created from the host straight
    into its namespace; its IPv6 mode before `up`, as for veth ends."""
    steps: list[Step] = [AddLink(macvlan.origin, macvlan.netns, macvlan.ifname, macvlan.kind, macvlan=macvlan)]
    if macvlan.addrgenmode:
        steps.append(SetLink(macvlan.origin, macvlan.netns, macvlan.ifname, addrgenmode=macvlan.addrgenmode))
    steps.append(SetLink(macvlan.origin, macvlan.netns, macvlan.ifname, mtu=macvlan.mtu, up=True))
    if macvlan.address:
        steps.append(AddAddress(macvlan.origin, macvlan.netns, macvlan.ifname, macvlan.address))
        steps += _link_local(macvlan.origin, macvlan.netns, macvlan.ifname, macvlan.addrgenmode,
                             (macvlan.address,))
    return steps


def _end(veth: p.Veth, end: p.VethEnd, raise_it: bool) -> list[Step]:
    steps: list[Step] = []
    if end.addrgenmode:
        steps.append(SetLink(veth.origin, end.netns, end.ifname, addrgenmode=end.addrgenmode))
    if end.mac:  # before the end comes up, so that it never speaks with the kernel's random MAC
        steps.append(SetLink(veth.origin, end.netns, end.ifname, mac=end.mac))
    if raise_it:
        steps.append(SetLink(veth.origin, end.netns, end.ifname, master=end.master, mtu=veth.mtu, up=True))
    steps += [AddAddress(veth.origin, end.netns, end.ifname, address) for address in end.addresses]
    return steps + _link_local(veth.origin, end.netns, end.ifname, end.addrgenmode, end.addresses)


def _addresses(lab: p.LabPlan) -> list[Step]:
    """The `address` lines' addresses. The first IPv6 one on an interface with `addrgenmode none`
    that has no IPv6 address of its own also brings that interface its link-local address."""
    quiet: dict[tuple[str | None, str], bool] = {}  # (netns, ifname) -> has a link-local address already
    for end in (end for veth in lab.veths for end in (veth.outer, veth.inner)):
        if end.addrgenmode == "none":
            quiet[(end.netns, end.ifname)] = any(p.family(a) == 6 for a in end.addresses)
    devices: list[p.Vxlan | p.Macvlan | p.Tunnel] = [*lab.vxlans, *lab.macvlans, *lab.tunnels]
    for device in devices:
        if device.addrgenmode == "none":
            quiet[(device.netns, device.ifname)] = p.family(device.address or "") == 6
    steps: list[Step] = []
    for address in lab.addresses:
        steps.append(AddAddress(address.origin, address.netns, address.ifname, address.address))
        place = (address.netns, address.ifname)
        if quiet.get(place) is False and p.family(address.address) == 6:
            quiet[place] = True
            steps += _link_local(address.origin, address.netns, address.ifname, "none", (address.address,))
    return steps


def _link_local(origin: p.Origin, netns: str | None, ifname: str, addrgenmode: str | None,
                addresses: tuple[str, ...]) -> list[Step]:
    """An interface with `addrgenmode none` and an IPv6 address gets a link-local address of its
    own: without one the kernel sends no neighbour solicitation for a packet it forwards (it takes
    their source from the link-local address), so a router namespace could not reach its
    neighbours. fe80:: and the interface part of its first IPv6 address, added with `nodad`."""
    ipv6 = [a for a in addresses if p.family(a) == 6]
    if addrgenmode != "none" or not ipv6:
        return []
    why = ("(nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve "
           "neighbours for packets it forwards)")
    return [AddAddress(origin, netns, ifname, link_local_of(ipv6[0]), why)]



FORWARDING = {4: "net.ipv4.ip_forward", 6: "net.ipv6.conf.all.forwarding"}
"""The host's forwarding sysctl of each family."""


def _firewall(lab: p.LabPlan) -> list[Step]:
    """The lab's rules (NAT, and accepts for its traffic across its bridges); NAT also needs
    forwarding in the host, of each family it has rules for; bridging does not."""
    if not lab.has_rules:
        return []
    first = (lab.masquerades or lab.forwards or lab.bridged)[0].origin
    rules: list[Step] = [LoadRules(first, None, lab.masquerades, lab.forwards)]
    for family in lab.nat_families():
        why = "the host must route between the lab and its uplink for NAT to work"
        if family == 6:
            why += " (IPv6: the host then ignores router advertisements unless accept_ra is 2)"
        rules.append(SetSysctl(first, None, FORWARDING[family], "1", _record(FORWARDING[family]), why))
    return rules


def _record(key: str) -> str:
    """Where setup scripts keep a host sysctl's value from before the first lab changed it, and which
    labs need it changed (shared by all labs: see SetSysctl)."""
    return f"{STATE_ROOT}/host/{key}"


def _sysctls(lab: p.LabPlan) -> list[Step]:
    """The lab's `sysctl` and `router` lines: in a namespace simply set; in the host recorded and
    restored, once per key (NAT's forwarding above counts; checks refuse two values for a key)."""
    steps: list[Step] = []
    done = {FORWARDING[family] for family in lab.nat_families()}
    inside: set[tuple[str, str]] = set()
    for sysctl in lab.sysctls:
        if sysctl.netns is not None:
            if (sysctl.netns, sysctl.key) in inside:  # `router NS` and `nat NS` both turn forwarding on
                continue
            inside.add((sysctl.netns, sysctl.key))
            steps.append(SetNamespaceSysctl(sysctl.origin, sysctl.netns, sysctl.key, sysctl.value,
                                            f"{lab_dir(lab.name)}/prior-sysctl/{sysctl.netns}/{sysctl.key}"))
        elif sysctl.key not in done:
            done.add(sysctl.key)
            steps.append(SetSysctl(sysctl.origin, None, sysctl.key, sysctl.value, _record(sysctl.key),
                                   sysctl.reason or "the lab file sets it"))
    return steps


def _process(process: p.Process, lab: str) -> StartProcess:
    """Last, once the namespace is wired: its pid file and log in the lab's folder, under run/."""
    where = f"{lab_dir(lab)}/run/{process.ident}"
    return StartProcess(process.origin, process.netns, process.argv, process.ident, f"{where}.pid", f"{where}.log")


def _teardown(setup: list[Step]) -> tuple[Step, ...]:
    undos = [u for step in reversed(setup) if (u := step.undo()) is not None]
    return tuple(sorted(undos, key=lambda u: _TEARDOWN_ORDER.index(type(u))))
