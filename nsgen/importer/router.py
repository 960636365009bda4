"""A namespace's FORWARD rules read for their meaning: the accepts its own NAT needs (`nat NS
masquerade`, `forward NS`), and a default-deny router (`router NS deny`): a closing DROP (or a DROP
policy), an accept of replies, and one accept per allowed flow (`allow FROM -> TO via NS`)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nsgen.importer.firewall import Firewall, Rule

ANY = {4: "0.0.0.0/0", 6: "::/0"}


@dataclass
class _Flow:
    """One accepted flow: its family, source and destination (an address, None for any, or
    `outside`), and the subnets a side excludes (the DROPs before it, nft's `!= { ... }`)."""

    family: int
    source: str | None
    destination: str | None
    excluded: dict[str, list[str]] = field(default_factory=dict)
    """`s` or `d` -> the subnets dropped (or excluded) on that side: an `outside` side."""


@dataclass
class _Group:
    """The accepts of one lab line (one nsgen comment), or consecutive ones to one port."""

    key: str
    protocol: str | None
    port: str | None
    line: int
    flows: list[_Flow] = field(default_factory=list)


def read_forwarding(fw: Firewall, rules: list[Rule]) -> list[Rule]:
    """Read a namespace's FORWARD rules (and DROP policies); the accepts left for the lab's-own check
    (a namespace that does not deny). A closing DROP (or policy) makes it `router NS deny`."""
    rules = [r for r in rules if r.target not in ("LOG", None)]  # (a log or a counter passes what it sees)
    closing = [r for r in rules if r.target == "DROP" and _bare(r) and not r.states]
    if not closing and not fw.policies:
        for rule in rules:
            if rule.target != "ACCEPT":
                fw._refuse(rule, f"a filter rule ({rule.target or 'no target'} in FORWARD) in namespace {fw.netns} "
                           "that closes nothing: the lab's forward filter is `router NS deny` (a closing DROP, "
                           "replies accepted, one accept per `allow ... via NS`)",
                           "leave it out, or add the closing `-j DROP` (`router NS deny`) and accepts of flows")
        return [r for r in rules if r.target == "ACCEPT"]
    _Deny(fw, rules, closing).read()
    return []


class _Deny:
    """A default-deny FORWARD: its rules as `router NS deny` and `allow FROM -> TO via NS` lines."""

    def __init__(self, fw: Firewall, rules: list[Rule], closing: list[Rule]) -> None:
        self.fw = fw
        self.netns = fw.netns or ""
        self.rules = rules
        self.closing = closing
        self.replies: set[int] = set()
        self.groups: list[_Group] = []
        self.pending: list[Rule] = []
        self.warned: set[tuple[str, int]] = set()
        self.opened: set[int] = set()
        """Lines of the namespace's NAT rules whose connections an accept of the filter lets through."""

    def read(self) -> None:
        """Every rule in order; then the lab lines, and warnings where they are not exact."""
        for index, rule in enumerate(self.rules):
            if rule in self.closing:
                continue
            if self._after_closing(index, rule):
                self.fw._refuse(rule, f"a FORWARD rule in namespace {self.netns} after the DROP that closes it: never "
                                "reached", "leave it out, or put it before the DROP")
            elif self._is_replies(rule):
                self.replies |= _families(rule)
            elif self._is_nat_accept(rule):
                continue
            elif rule.target == "DROP" and (rule.source or rule.destination) and _plain(rule):
                self.pending.append(rule)
            elif rule.target == "ACCEPT" and _plain(rule) and _port_ok(rule):
                self._flow(rule)
            else:
                self.fw._refuse(rule, f"a FORWARD rule in namespace {self.netns} that is not an `allow ... via "
                                f"{self.netns}` (from a source, to a destination, to a tcp or udp port or to all), nor "
                                "the accepts of its NAT", f"leave it out, or write it as `allow FROM -> TO via "
                                f"{self.netns} [tcp|udp PORT]`")
        for rule in self.pending:
            self.fw._refuse(rule, f"a DROP in namespace {self.netns}'s FORWARD that no accept of the same source or "
                            "destination follows: the lab drops only the lab's subnets of an `outside` flow, and "
                            "closes with one DROP of the rest", "leave it out (`router NS deny` drops what no `allow "
                            "... via NS` accepts)")
        self._unopened()
        self._lines()

    # -- the rules ---------------------------------------------------------------------------------
    def _after_closing(self, index: int, rule: Rule) -> bool:
        """After a closing DROP of its family (iptables' and ip6tables' rules come one after the other)."""
        return any(self.rules.index(c) < index and (_families(c) & _families(rule)) for c in self.closing)

    @staticmethod
    def _is_replies(rule: Rule) -> bool:
        states = set((rule.states or "").upper().replace(" ", "").split(","))
        return rule.target == "ACCEPT" and _bare(rule) and "ESTABLISHED" in states

    def _is_nat_accept(self, rule: Rule) -> bool:
        """One of the accepts the namespace's own masquerades and forwards load (the lab loads them too);
        the lab line whose new connections it lets through is noted in `opened`."""
        model = self.fw.model
        if rule.target != "ACCEPT":
            return False
        states = set((rule.states or "").upper().replace(" ", "").split(",")) - {""}
        replies = states == {"RELATED", "ESTABLISHED"}
        for m in model.masquerades:
            if (not states and _same(rule.source, m.subnet) and rule.out_interface == m.out_interface
                    and _only(rule, "source", "out_interface")):
                self.opened.add(m.line)
                return True
            if replies and _same(rule.destination, m.subnet) and _only(rule, "destination", "states"):
                return True
        for f in model.forwards:
            dnat = states == {"DNAT"} and rule.original_dport == str(f.port)  # (nsgen before 2026-12: no states)
            if ((dnat or (not states and rule.original_dport is None)) and _same(rule.destination, f.target)
                    and rule.in_interface == f.in_interface
                    and rule.dport == str(f.target_port) and rule.protocol == f.protocol
                    and _only(rule, "destination", "in_interface", "dport", "protocol", "states", "original_dport")):
                self.opened.add(f.line)
                return True
            if (replies and _same(rule.source, f.target) and rule.out_interface == f.in_interface
                    and rule.sport == str(f.target_port) and rule.protocol == f.protocol
                    and _only(rule, "source", "out_interface", "sport", "protocol", "states")):
                return True
        for a in model.address_forwards:
            if (states == {"DNAT"} and _same(rule.destination, a.target) and _same(rule.original_destination, a.address)
                    and rule.in_interface == a.in_interface
                    and _only(rule, "destination", "original_destination", "in_interface", "states")):
                self.opened.add(a.line)
                return True
            if (replies and _same(rule.source, a.target) and rule.out_interface == a.in_interface
                    and _only(rule, "source", "out_interface", "states")):
                return True
        return False

    def _unopened(self) -> None:
        """W347 for a `nat`/`forward` line of the namespace whose connections its filter does not
        accept: the lab's line accepts them through `router NS deny`."""
        model = self.fw.model
        lines = {m.line for m in model.masquerades} | {f.line for f in model.forwards} | \
            {a.line for a in model.address_forwards}
        for line in sorted(lines - self.opened):
            self.fw.report.warn("W347", f"namespace {self.netns}'s forward filter does not accept the connections "
                                "its NAT rule here makes (a masquerade's out, a forward's in): the lab's `nat`/"
                                f"`forward` line accepts them through `router {self.netns} deny`",
                                self.fw.report.span(line), "accept them in the script too (see docs/language.md, "
                                "`router NS deny`), or check the lab")

    def _flow(self, rule: Rule) -> None:
        excluded: dict[str, list[str]] = {}
        if rule.not_source:
            excluded["s"] = rule.not_source.split(",")
        if rule.not_destination:
            excluded["d"] = rule.not_destination.split(",")
        for drop in [d for d in self.pending if (d.protocol, d.dport) == (rule.protocol, rule.dport)
                     and _families(d) & _families(rule)]:
            if rule.destination is None and _same(drop.source, rule.source) and drop.destination:
                excluded.setdefault("d", []).append(drop.destination)
            elif rule.source is None and _same(drop.destination, rule.destination) and drop.source:
                excluded.setdefault("s", []).append(drop.source)
            else:
                continue
            self.pending.remove(drop)
        comment = re.search(r"comment\s+\"?([^\"\s-][^\"\s]*)", rule.text)  # (not `-m comment --comment`)
        key = comment.group(1) if comment else "consecutive"
        last = self.groups[-1] if self.groups else None
        group = next((g for g in self.groups if g.key == key and (g.protocol, g.port) == (rule.protocol, rule.dport)),
                     None) if key != "consecutive" else last if last is not None and last.key == key \
            and (last.protocol, last.port) == (rule.protocol, rule.dport) else None
        if group is None:
            group = _Group(key, rule.protocol, rule.dport, rule.line)
            self.groups.append(group)
        families = _families(rule)
        if rule.family is None:  # no address: the families the namespace forwards (has addresses of)
            families = families & self._namespace_families() or families
        for family in sorted(families):
            group.flows.append(_Flow(family, _address(rule.source), _address(rule.destination), excluded))

    # -- the lab lines -----------------------------------------------------------------------------
    def _lines(self) -> None:
        fw, netns = self.fw, self.netns
        lines = [r.line for r in [*self.closing, *fw.policies]]
        fw.model.deny_routers[netns] = lines
        denied = set().union(*(_families(r) for r in [*self.closing, *fw.policies]))
        where = fw.report.span(min(lines)) if lines else fw.report.span(0)
        lab = self._namespace_families()
        if lab - denied:
            fw.report.warn("W347", f"namespace {netns}'s forward filter drops {_names_of(denied)} only: imported as "
                           f"`router {netns} deny`, which denies {_names_of(lab)} (each family it has addresses of)",
                           where,
                           "drop the other family too (ip6tables, or an nft `inet` table), or check the lab")
        if (denied & lab) - self.replies:
            fw.report.warn("W347", f"namespace {netns}'s forward filter accepts no replies (--ctstate "
                           f"RELATED,ESTABLISHED): imported as `router {netns} deny`, which accepts them always",
                           where, "add `-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT` before the accepts, or "
                           "check the lab: without it an allowed connection gets no answer")
        for group in self.groups:
            for text in self._allows(group):
                if not any(known == text for known, _line, _order in fw.model.inside):
                    fw.model.inside.append((text, group.line, 25))

    def _namespace_families(self) -> set[int]:
        return {a.family for link in self.fw.model.links if link.netns == self.netns for a in link.addresses
                if not a.interface.ip.is_link_local} & {4, 6}

    def _allows(self, group: _Group) -> list[str]:
        """A group's `allow` lines: one per FROM and TO when the flows are every source to every
        destination (per family); else one per flow."""
        port = f" {group.protocol} {group.port}" if group.protocol else ""
        families = {f.family for f in group.flows}
        sources = [self._side(f, "s", group.line) for f in group.flows]
        destinations = [self._side(f, "d", group.line) for f in group.flows]
        product = all({(s, d) for f, s, d in zip(group.flows, sources, destinations, strict=True) if f.family == family}
                      == {(s, d) for f, s in zip(group.flows, sources, strict=True) if f.family == family
                          for g, d in zip(group.flows, destinations, strict=True) if g.family == family}
                      for family in families)
        if product:
            bare = (self._names(sorted(set(sources)), set()), self._names(sorted(set(destinations)), set()))
            named = (self._names(sorted(set(sources)), families), self._names(sorted(set(destinations)), families))
            # a namespace on one side only where its other family's addresses would add no flow
            for froms, tos in ((named[0], named[1]), (named[0], bare[1]), (bare[0], named[1]), bare):
                if all(self._flow_families(a) & self._flow_families(b) == families for a in froms for b in tos):
                    return [f"allow {a} -> {b} via {self.netns}{port}" for a in froms for b in tos]
        return [f"allow {_short(s)} -> {_short(d)} via {self.netns}{port}"
                for s, d in zip(sources, destinations, strict=True)]

    def _side(self, flow: _Flow, side: str, line: int) -> str:
        """`outside` for a side with excluded subnets (W347 where they are not the lab's), else its address."""
        value = flow.source if side == "s" else flow.destination
        excluded = flow.excluded.get(side)
        if excluded and value is None:
            lab = self._lab_subnets(flow.family)
            got = _collapsed(excluded)
            if got != _collapsed(lab) and (side, line) not in self.warned:
                self.warned.add((side, line))
                self.fw.report.warn("W347", f"an accept in namespace {self.netns}'s FORWARD of every address but "
                                    f"{', '.join(sorted(got))}: imported as `outside`, which is every address but "
                                    f"the lab's subnets ({', '.join(sorted(lab))})", self.fw.report.span(line),
                                    "check the lab's `allow ... outside ...` line")
            return "outside"
        return value if value is not None else ANY[flow.family]

    def _names(self, values: list[str], families: set[int]) -> list[str]:
        """The namespace (or `host`) whose lab addresses of `families` are exactly these, else each
        (no families: each)."""
        if families and (len(values) > 1 or (values and values[0] not in ("outside", *ANY.values()))):
            concrete = [v for v in values if v not in ("outside", *ANY.values())]
            if len(concrete) == len(values):
                return self.fw._senders(concrete, families)
        return [v.removesuffix("/32").removesuffix("/128") for v in values]

    def _flow_families(self, word: str) -> set[int]:
        """The families an `allow` side adds flows of: a namespace's (or the host's) address families
        that the router denies, an address's own, both for `outside`."""
        denied: set[int] = set().union(*(_families(r) for r in [*self.closing, *self.fw.policies]))
        network = _network(word)
        if network is not None:
            return denied & {int(network.version)}
        if word == "outside":
            return denied
        return {a.family for link in self.fw.model.links if (link.netns or "host") == word
                for a in link.addresses if not a.interface.ip.is_link_local} & denied

    def _lab_subnets(self, family: int) -> set[str]:
        return {str(net) for net, _link in self.fw.model.subnets() if net.version == family
                and not net.network_address.is_link_local}


def _short(text: str) -> str:
    """An address as the lab writes it: `10.0.1.2`, not `10.0.1.2/32`."""
    return text.removesuffix("/32").removesuffix("/128")


def _names_of(families: set[int]) -> str:
    """`IPv4`, `IPv4/IPv6`."""
    return "/".join(f"IPv{f}" for f in sorted(families))


def _families(rule: Rule) -> set[int]:
    """The families a rule matches: iptables' or ip6tables', nft's `ip`/`ip6` or `meta nfproto`, else both."""
    if rule.family is not None:
        return {rule.family}
    nfproto = re.search(r"nfproto\s+ipv([46])", rule.text)
    return {int(nfproto.group(1))} if nfproto else {4, 6}


def _bare(rule: Rule) -> bool:
    return all(getattr(rule, name) is None for name in (
        "source", "destination", "not_destination", "not_source", "original_destination", "protocol", "dport",
        "sport", "in_interface", "out_interface"))


def _plain(rule: Rule) -> bool:
    """No interface, state, source port or original destination: what an `allow ... via` matches."""
    return (rule.in_interface is None and rule.out_interface is None and not rule.states and rule.sport is None
            and rule.original_destination is None and not rule.local)


def _port_ok(rule: Rule) -> bool:
    """No protocol, or tcp/udp with one port (an allow's `tcp PORT`)."""
    if rule.protocol is None:
        return rule.dport is None
    return rule.protocol in ("tcp", "udp") and (rule.dport or "").isdigit()


_FIELDS = ("source", "destination", "not_destination", "not_source", "original_destination", "protocol", "dport",
           "sport", "in_interface", "out_interface", "states")


def _only(rule: Rule, *names: str) -> bool:
    """The rule matches nothing but the fields named (each may be unset)."""
    return all(getattr(rule, name) in (None, "") for name in _FIELDS if name not in names) and not rule.local


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _collapsed(subnets: list[str] | set[str]) -> set[str]:
    """Subnets as one set, adjacent ones merged (the lab's `10.0.8.0/24` and `10.0.9.0/24` are `10.0.8.0/23`)."""
    nets = [n for n in (_network(t) for t in subnets) if n is not None]
    four = [n for n in nets if isinstance(n, ipaddress.IPv4Network)]
    six = [n for n in nets if isinstance(n, ipaddress.IPv6Network)]
    return {str(n) for n in ipaddress.collapse_addresses(four)} | {str(n) for n in ipaddress.collapse_addresses(six)}


def _address(text: str | None) -> str | None:
    """An address or CIDR as the lab writes it (`/32` and `/128` kept: `_names` compares networks)."""
    if text is None:
        return None
    network = _network(text)
    return str(network) if network is not None else text


def _same(one: str | None, other: str | None) -> bool:
    """Two addresses or subnets as written, compared as networks (`10.0.2.2/32` is `10.0.2.2`)."""
    if one is None or other is None:
        return False
    a, b = _network(one), _network(other)
    return a == b if a is not None and b is not None else one == other
