"""The model as lab statements, each with the script lines it comes from (for its comments)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from nsgen.compiler.diagnostics import Span
from nsgen.compiler.symbols import default_ifname
from nsgen.importer.model import Address, Link, Model
from nsgen.importer.report import Report

FORWARD_KEY = "net.ipv4.ip_forward"
FORWARD_KEYS = {4: FORWARD_KEY, 6: "net.ipv6.conf.all.forwarding"}
"""Each family's forwarding switch: what `router` and NAT turn on."""
VXLAN_PORT = 4789


@dataclass
class Statement:
    """One lab line and the script lines that made it."""

    text: str
    lines: list[int] = field(default_factory=list)
    order: int = 0


class Emitter:
    """Builds the lab's statements from the model: declarations first, then routes, then rules."""

    def __init__(self, model: Model, report: Report) -> None:
        self.model = model
        self.report = report
        self.statements: list[Statement] = []

    def add(self, text: str, lines: list[int], order: int) -> None:
        self.statements.append(Statement(text, sorted(set(lines)), order))

    def build(self) -> list[Statement]:
        """Every statement, in the lab language's declaration order (lab order within a kind)."""
        model = self.model
        if model.lab_name:
            self.add(f"lab {model.lab_name}", [], 0)
        if self._link_local():
            self.add("ipv6 link-local", [], 1)
        for namespace in model.namespaces.values():
            self.add(f"ns {namespace.name}", namespace.lines, 2)
        self._loopbacks()
        for bridge in [link for link in model.links if link.kind == "bridge"]:
            self._bridge(bridge)
        done: set[int] = set()
        for link in model.links:
            if link.kind == "veth" and link.uid not in done and link.peer is not None:
                done.update({link.uid, link.peer.uid})
                self._veth(link, link.peer)
        for link in model.links:
            if link.kind == "loopback":
                for address in link.addresses:
                    self.add(f"address {link.netns or 'host'}:lo {self.address_text(link, address)}",
                             [address.line], 10)
            elif link.kind == "vxlan":
                self._vxlan(link)
            elif link.kind in ("gre", "gretap", "ipip"):
                self._tunnel(link)
            elif link.kind in ("macvlan", "ipvlan"):
                self._macvlan(link)
        self._routes()
        self._sysctls()
        for masquerade in model.masquerades:
            out = f" out {masquerade.out_interface}" if masquerade.out_interface else ""
            self.add(f"nat masquerade {masquerade.subnet}{out}", [masquerade.line], 20)
        for forward in model.forwards:
            inside = f" in {forward.in_interface}" if forward.in_interface else ""
            target = f"[{forward.target}]" if ":" in forward.target else forward.target
            self.add(f"forward {forward.protocol} {forward.port} -> {target}:{forward.target_port}{inside}",
                     [forward.line], 21)
        for text, line, order in model.inside:
            self.add(text, [line], order)
        for expect in model.expects:
            self.add(f"expect {expect.netns} ping {expect.address}", [expect.line], 30)
        self._check_nat_forwarding()
        return sorted(self.statements, key=lambda s: (s.order, s.lines[0] if s.lines else 0))

    # -- pieces ------------------------------------------------------------------------------------
    def _where(self, link: Link) -> Span:
        """Where the script made `link` (its name on that line), for diagnostics about it."""
        return link.where or self.report.span(link.line)

    def _link_local(self) -> bool:
        """`ipv6 link-local` when the script shows it cares about IPv6 modes (it sets addrgenmode, or
        nsgen wrote it) and leaves an interface in a namespace at the kernel's default."""
        if not (self.model.addrgenmode_set or self.model.nsgen_made):
            return False
        inner = [link for link in self.model.links
                 if link.netns is not None and link.kind not in ("bridge", "loopback")]
        return any(link.addrgenmode in (None, "eui64") and (link.mtu or 1500) >= 1280 for link in inner)

    def _loopbacks(self) -> None:
        """Namespaces whose `lo` stays down cannot reach their own addresses; the lab raises them (one
        warning for all, at the first)."""
        if self.model.nsgen_made:
            return
        down = [(name, self.model.link(name, "lo")) for name in self.model.namespaces]
        down = [(name, lo) for name, lo in down if lo is not None and not lo.up]
        if down:
            names = ", ".join(name for name, _lo in down)
            first = down[0][1]
            assert first is not None
            what = f"the loopbacks of namespaces {names} are" if len(down) > 1 else \
                f"the loopback of namespace {names} is"
            self.report.warn("W345", f"{what} never brought up (traffic to a namespace's own addresses fails "
                             "inside it); the lab brings every namespace's loopback up", self._where(first),
                             f"add `ip -n {down[0][0]} link set lo up`" + (", and so on" if len(down) > 1 else ""))

    def address_text(self, link: Link, address: Address) -> str:
        """An address as the lab writes it; one given without a prefix takes the prefix of the
        subnet of the script that holds it (the tutorial's `ip addr add 192.168.15.1 dev veth-red`)."""
        if address.prefix_given:
            return address.text
        ip = address.interface.ip
        for network, _owner in self.model.subnets():
            if ip in network:
                return f"{ip}/{network.prefixlen}"
        return f"{ip}/{address.interface.max_prefixlen}"

    def _bridge(self, bridge: Link) -> None:
        name = f"{bridge.netns}:{bridge.name}" if bridge.netns else bridge.name
        ip = f"ip -n {bridge.netns}" if bridge.netns else "ip"
        ovs = bool(bridge.info.get("ovs"))
        if not bridge.up and ovs:
            self.report.warn("W344", f"the interface of Open vSwitch bridge {bridge.name} is never brought up (its "
                             "ports switch frames all the same, but the host cannot use it); the lab brings it up",
                             self._where(bridge), f"add `ip link set {bridge.name} up`")
        elif not bridge.up:
            self.report.warn("W344", f"bridge {name} is never brought up, so nothing crosses it; the lab "
                             "brings it up", self._where(bridge), f"add `{ip} link set {bridge.name} up`")
        parts = [f"bridge {name}" + (" type ovs" if ovs else "")]
        firsts = first_of_each_family(bridge)
        if firsts:
            parts.append("ip " + ", ".join(self.address_text(bridge, a) for a in firsts))
        if bridge.mtu:
            parts.append(f"mtu {bridge.mtu}")
        self.add(" ".join(parts), bridge.lines, 3)
        for extra in bridge.addresses:
            if not any(extra is first for first in firsts):
                self.add(f"address {bridge.netns or 'host'}:{bridge.name} {self.address_text(bridge, extra)}",
                         bridge.lines, 10)

    def _owner(self, link: Link) -> tuple[str, str]:
        """What a veth end plugs into, in the lab's words, and that thing's kind."""
        if link.master is not None and link.netns is None:
            return link.master, "bridge"
        if link.master is not None:
            return f"{link.netns}:{link.master}", "bridge"
        return (link.netns, "ns") if link.netns is not None else ("host", "host")

    def _end(self, link: Link, owner: str, kind: str, peer_owner: str, peer_kind: str) -> str:
        default = default_ifname(kind, owner, peer_kind, peer_owner)
        return owner if link.name == default else f"{owner}:{link.name}"

    def _veth(self, one: Link, two: Link) -> None:
        if two.uid < one.uid:  # the end the script named first, first
            one, two = two, one
        lines = [*one.lines, *two.lines]
        (o1, k1), (o2, k2) = self._owner(one), self._owner(two)
        for end, (owner, kind), (peer, peer_kind) in ((one, (o1, k1), (o2, k2)), (two, (o2, k2), (o1, k1))):
            if end.master is not None and end.netns is not None \
                    and end.name != default_ifname(kind, owner, peer_kind, peer):
                default = default_ifname(kind, owner, peer_kind, peer)
                self.report.refuse("E323", f"veth end {end.name}, a port of bridge {end.master} inside namespace "
                                   f"{end.netns}: the lab names such a port itself ({default})",
                                   self._where(end), f"veth {end.name}",
                                   f"name the port {default}, or leave the name to the lab: `veth ...<->{owner}`")
                return
        vlans = self._vlans(one, two)
        if vlans is None:
            return
        if o1 == o2:
            self.report.refuse("E323", f"veth {one.name}/{two.name} has both ends in {o1}: the lab language's veths "
                               "join two different things", self._where(one), f"veth {one.name}",
                               "give one end `netns NS` (ip link add A netns NS1 type veth peer name B netns NS2)")
            return
        if (k1 == "bridge" and k2 != "bridge") or (k1 == "host" and k2 == "ns"):
            one, two, (o1, k1), (o2, k2) = two, one, (o2, k2), (o1, k1)
        if k1 != "bridge" and k2 != "bridge" and not one.addresses and two.addresses:
            one, two, (o1, k1), (o2, k2) = two, one, (o2, k2), (o1, k1)
        for end in (one, two):
            if not end.up:
                where = f"namespace {end.netns}" if end.netns else "the host"
                self.report.warn("W332", f"veth end {end.name} (in {where}) is never brought up, so the pair "
                                 "carries nothing; the lab brings both ends up",
                                 self._where(end),
                                 f"add `ip{' -n ' + end.netns if end.netns else ''} link set {end.name} up`")
        parts = [f"veth {self._end(one, o1, k1, o2, k2)}<->{self._end(two, o2, k2, o1, k1)}"]
        takers = [one] if k2 == "bridge" else [one, two]
        # `ip` gives each family's addresses to the ends in order: the first of a family goes to the
        # first end, so a family the first end lacks stays out of `ip` (an `address` line instead)
        addresses: list[tuple[Link, Address]] = []
        for family in (4, 6):
            for end in takers:
                first = next((a for a in end.addresses if a.family == family), None)
                if first is None:
                    break
                addresses.append((end, first))
        if addresses:
            parts.append("ip " + ", ".join(self.address_text(end, address) for end, address in addresses))
        extras = [(end, a) for end in (one, two) for a in end.addresses
                  if not any(a is given for _e, given in addresses)]
        if one.mac:
            parts.append("mac " + ", ".join(m for m in (one.mac, two.mac) if m))
        elif two.mac:
            self.report.warn("W341", f"a MAC on {two.name} only: the lab gives a lone MAC to the pair's first "
                             "end; left out", self._where(two))
        mtus = {end.mtu for end in (one, two)}
        if len(mtus) > 1:
            self.report.warn("W338", f"the ends of veth {one.name}/{two.name} have different MTUs; the lab gives "
                             f"both {max(m or 1500 for m in mtus)}", self._where(one))
        mtu = max((m for m in mtus if m), default=None)
        if mtu:
            parts.append(f"mtu {mtu}")
        if vlans:
            parts.append(vlans)
        self.add(" ".join(parts), lines, 5)
        for end, address in extras:
            self.add(f"address {end.netns or 'host'}:{end.name} {self.address_text(end, address)}",
                     [address.line], 10)

    def _is_ovs_port(self, end: Link) -> bool:
        if end.master is None or end.netns is not None:
            return False
        bridge = self.model.link(None, end.master)
        return bridge is not None and bool(bridge.info.get("ovs"))

    def _ovs_where(self, *ports: Link) -> tuple[Span, str]:
        """The last script line that set a port's VLANs (its span and text), else where the port was made."""
        lines = [(int(p.info["ovs_line"]), p.info.get("ovs_text", "")) for p in ports if "ovs_line" in p.info]
        if lines:
            line, text = max(lines)
            return self.report.span(line, 1, len(text) + 1), text
        return self._where(ports[0]), f"veth {ports[0].name}"

    def _linux_vlans(self, end: Link) -> str | None:
        """A port of a Linux bridge: `tag N` (VLAN N its only one, pvid and untagged), `trunk N,M`
        (tagged VLANs only), "" (VLAN 1 untagged, the default, or a bridge without VLAN filtering);
        None (refused) for anything else, or VLANs on a port of a bridge that does not filter."""
        if end.master is None or "br_vlans" not in end.info:
            return ""
        bridge = self.model.link(end.netns, end.master)
        vlans = dict(item.split(":") for item in end.info["br_vlans"].split(",") if item)
        where = (self.report.span(int(end.info["br_vlan_line"])), end.info["br_vlan_text"])
        if vlans == {"1": "pu"}:
            return ""
        if bridge is None or bridge.info.get("vlan_filtering") != "1":
            self.report.refuse("E323", f"VLANs on {end.name}, a port of bridge {end.master}, which has no VLAN "
                               "filtering: the kernel ignores them, and the lab's `tag`/`trunk` would turn it on",
                               *where, "give the bridge `vlan_filtering 1`, or leave the VLANs out")
            return None
        if len(vlans) == 1 and next(iter(vlans.values())) == "pu":
            return f"tag {next(iter(vlans))}"
        if vlans and all(flags == "" for flags in vlans.values()):
            return "trunk " + ",".join(vlans)
        self.report.refuse("E323", f"port {end.name} of bridge {end.master} has VLANs "
                           f"{', '.join(v + _vlan_flags(f) for v, f in vlans.items())}: "
                           "the lab's ports are access ports (one VLAN, pvid untagged) or trunks (tagged VLANs "
                           "only)", *where, "make it one or the other")
        return None

    def _vlans(self, one: Link, two: Link) -> str | None:
        """The veth's `tag N` or `trunk N,M` ("" for none) from its Open vSwitch ports' Port columns,
        or its Linux bridge ports' `bridge vlan` lines; None (refused) when the lab cannot say them:
        the lab gives every bridge end of a veth the same VLANs, a port one VLAN or a list of VLANs,
        and a trunk joins two bridges."""
        linux = {self._linux_vlans(end) for end in (one, two) if not self._is_ovs_port(end)}
        if None in linux:
            return None
        linux.discard("")
        ports = [end for end in (one, two) if self._is_ovs_port(end)]
        settings: set[str] = {v for v in linux if v is not None}
        for port in ports:
            tag, trunks = port.info.get("ovs_tag"), port.info.get("ovs_trunks")
            mode = port.info.get("ovs_vlan_mode")
            if tag and trunks:
                self.report.refuse("E323", f"Open vSwitch port {port.name} has both a tag ({tag}) and trunks "
                                   f"({trunks}), a native VLAN: the lab's ports are access ports (`tag`) or trunks "
                                   "(`trunk`)", *self._ovs_where(port),
                                   "clear one of them (`ovs-vsctl clear port PORT trunks`)")
                return None
            # no vlan_mode is Open vSwitch's `access` with a tag, else `trunk` (of the trunks given, or
            # of every VLAN without them: the lab's untagged port); a mode that says otherwise is not the lab's
            if (mode == "access" and not tag) or (mode == "trunk" and tag):
                what = "an access port without a tag (VLAN 0)" if mode == "access" else "a trunk with a tag"
                self.report.refuse("E323", f"Open vSwitch port {port.name} (vlan_mode={mode}) is {what}: the lab's "
                                   "access ports have `tag`, its trunks `trunk`", *self._ovs_where(port),
                                   "give the port `tag=N`, or `trunks=N,M` with vlan_mode trunk (or none)")
                return None
            if tag and len(tag.split(",")) > 1:
                self.report.refuse("E324", f"Open vSwitch port {port.name}: a tag is one VLAN ({tag})",
                                   *self._ovs_where(port))
                return None
            settings.add(f"tag {tag}" if tag else f"trunk {trunks}" if trunks else "")
        if len(settings) > 1:
            where = self._ovs_where(*ports) if ports else (self._where(one), f"veth {one.name}")
            self.report.refuse("E323", f"the bridge ends of veth {one.name}/{two.name} carry different VLANs "
                               f"({', '.join(sorted(s or 'untagged' for s in settings))}): the lab gives both "
                               "ends of a veth the same `tag` or `trunk`", *where,
                               "give both ports the same VLANs, or link the switches with one veth per VLAN")
            return None
        return settings.pop() if settings else ""

    def _vxlan(self, link: Link) -> None:
        info = link.info
        name = f"{link.netns}:{link.name}" if link.netns else link.name
        remotes = [*([info["remote"]] if "remote" in info else []), *(p for p in info.get("fdb", "").split(",") if p)]
        if "group" not in info and not remotes:
            self.report.refuse("E324", f"vxlan {link.name} has no peer: no `remote`, `group` or `bridge fdb append`",
                               self._where(link), f"vxlan {link.name}")
            return
        target = f"group {info['group']}" if "group" in info else f"remote {', '.join(remotes)}"
        parts = [f"vxlan {name} id {info['id']} {target}"]
        if "local" in info:
            parts.append(f"local {info['local']}")
        if "dev" in info:
            parts.append(f"dev {info['dev']}")
        if int(info["port"]) != VXLAN_PORT:
            parts.append(f"port {info['port']}")
        self._device(link, parts)

    def _tunnel(self, link: Link) -> None:
        info = link.info
        name = f"{link.netns}:{link.name}" if link.netns else link.name
        parts = [f"{link.kind} {name} remote {info['remote']}"]
        parts += [f"{word} {info[word]}" for word in ("local", "dev", "key", "ttl") if word in info]
        self._device(link, parts)

    def _device(self, link: Link, parts: list[str]) -> None:
        """A vxlan's or tunnel's line, from its own words (`parts`) on: the bridge it joins, its
        first address, its MTU; its other addresses as `address` lines."""
        if link.master:
            parts.append(f"bridge {link.master}")
        if link.addresses:
            parts.append(f"ip {self.address_text(link, link.addresses[0])}")
        if link.mtu:
            parts.append(f"mtu {link.mtu}")
        self.add(" ".join(parts), link.lines, 6)
        self._extra_addresses(link)

    def _macvlan(self, link: Link) -> None:
        kind = link.kind
        if link.netns is None:
            self.report.refuse("E323", f"{kind} {link.name} left in the host: the lab language's {kind}s live in "
                               "a namespace", self._where(link), f"{kind} {link.name}")
            return
        parts = [f"{kind} {link.netns}:{link.name} on {link.info['parent']} mode {link.info['mode']}"]
        if link.addresses:
            parts.append(f"ip {self.address_text(link, link.addresses[0])}")
        if link.mtu:
            parts.append(f"mtu {link.mtu}")
        self.add(" ".join(parts), link.lines, 7)
        self._extra_addresses(link)

    def _extra_addresses(self, link: Link) -> None:
        for extra in link.addresses[1:]:
            self.add(f"address {link.netns or 'host'}:{link.name} {self.address_text(link, extra)}",
                     [extra.line], 10)

    def _routes(self) -> None:
        for route in self.model.routes:
            parts = [f"route {route.netns or 'host'} {route.destination}"]
            if route.gateway:
                parts.append(f"via {route.gateway}")
            if route.dev:
                parts.append(f"dev {route.dev}")
            if route.metric is not None:
                parts.append(f"metric {route.metric}")
            if route.onlink:
                parts.append("onlink")
            self.add(" ".join(parts), [route.line], 12)

    def _sysctls(self) -> None:
        """Forwarding on becomes `router NS` when it is on for every family the lab has addresses of
        (what `router` turns on); the host's forwarding of a family with NAT is the NAT's to turn on."""
        lab = {a.family for link in self.model.links for a in link.addresses} or {4}
        nat = self._nat_families()
        forwarding: dict[str | None, dict[int, int]] = {}
        for (netns, key), sysctl in self.model.sysctls.items():
            family = next((f for f, name in FORWARD_KEYS.items() if name == key), None)
            if family is not None and sysctl.value == "1":
                forwarding.setdefault(netns, {})[family] = sysctl.line
            else:
                self.add(f"sysctl {netns or 'host'} {key}={sysctl.value}", [sysctl.line], 16)
        for netns, denied in self.model.deny_routers.items():
            on = forwarding.pop(netns, {})
            self.add(f"router {netns} deny", [*denied, *on.values()], 15)
            if not lab <= set(on):
                off = "/".join(f"IPv{f}" for f in sorted(lab - set(on)))
                self.report.warn("W348", f"namespace {netns} filters what it forwards, but the script never turns "
                                 f"its {off} forwarding on: imported as `router {netns} deny`, which does",
                                 self.report.span(min(denied) if denied else 0),
                                 f"add `ip netns exec {netns} sysctl -w net.ipv4.ip_forward=1` (and IPv6's), or "
                                 "check the lab")
        for netns, on in forwarding.items():
            rest = {f: line for f, line in on.items() if netns is not None or f not in nat}
            if not rest:
                continue  # the lab's NAT turns it on (and off after the last lab that needs it)
            if lab <= set(on):
                self.add(f"router {netns or 'host'}", [on[f] for f in lab if f in on], 15)
                rest = {f: line for f, line in rest.items() if f not in lab}
            for family, line in rest.items():
                self.add(f"sysctl {netns or 'host'} {FORWARD_KEYS[family]}=1", [line], 16)

    def _nat_families(self) -> set[int]:
        return {ipaddress.ip_network(m.subnet).version for m in self.model.masquerades} | \
            {ipaddress.ip_address(f.target).version for f in self.model.forwards}

    def _check_nat_forwarding(self) -> None:
        for family in sorted(self._nat_families()):
            key = FORWARD_KEYS[family]
            forwarding = self.model.sysctls.get((None, key))
            if forwarding is not None and forwarding.value == "1":
                continue
            lines = [item.line for item in self.model.masquerades
                     if ipaddress.ip_network(item.subnet).version == family] + \
                [item.line for item in self.model.forwards if ipaddress.ip_address(item.target).version == family]
            self.report.warn("W334", f"NAT without forwarding: the script never sets {key}=1, so the "
                             "host does not route the lab's packets and the NAT rules see none; the lab's NAT "
                             "turns it on", self.report.span(min(lines)),
                             f"add `sysctl -w {key}=1` (nsgen's setup does, and restores it)")


def subnet_of(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_interface(text).network


def first_of_each_family(link: Link) -> list[Address]:
    """The link's first IPv4 address and its first IPv6 one (those it has), in that order: what
    the lab's `ip` gives a bridge, vxlan, macvlan or veth end (one address of each family)."""
    return [a for a in (next((a for a in link.addresses if a.family == family), None) for family in (4, 6))
            if a is not None]


def _vlan_flags(flags: str) -> str:
    """` (pvid untagged)` and the like for a port's VLAN flags (`p`: pvid, `u`: untagged)."""
    words = [word for mark, word in (("p", "pvid"), ("u", "untagged")) if mark in flags]
    return f" ({' '.join(words)})" if words else ""
