"""Checks several statements share, and the helpers statements' own checks use.

A check is a small function from the program to diagnostics. Checks that concern one statement
live in its module (`nsgen.compiler.statements`); each statement's registry entry names the checks
that concern it, and `compile_source` runs them all and collects every diagnostic.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator

from nsgen.compiler import ir
from nsgen.compiler.diagnostics import Diagnostic, Span, error, warning
from nsgen.compiler.symbols import (
    IFNAMSIZ,
    RESERVED,
    IPAddress,
    LabInterface,
    Symbols,
    addressed_ends,
    bare_name,
    bridge_of,
    did_you_mean,
    end_home,
    end_ifnames,
    extra_addresses,
    family_of,
    interface_of,
    network_of,
    resolve_address,
)

Check = Callable[[ir.Program, Symbols], Iterator[Diagnostic]]

NAME_MAX = 255
MTU_RANGE = (68, 65535)


def statements_of(program: ir.Program, kind: type[ir.Statement]) -> Iterator[ir.Statement]:
    return (s for s in program.statements if isinstance(s, kind))


def veths_of(program: ir.Program) -> Iterator[ir.Veth]:
    return (s for s in program.statements if isinstance(s, ir.Veth))


# declarations --------------------------------------------------------------


def check_duplicates(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A name declared twice (as namespace or bridge), or a second `lab` line."""
    seen: dict[str, ir.Statement] = {}
    for statement in program.statements:
        if isinstance(statement, ir.Lab):
            key, what = "\0lab", "the lab's name"
        elif isinstance(statement, (ir.Ns, ir.Bridge)):
            key = statement.key if isinstance(statement, ir.Bridge) else statement.name.text
            what = f"'{key}'"
        else:
            continue
        if key in seen:
            first = seen[key]
            yield error("E101", f"{what} is declared twice", _name_span(statement),
                        f"first declared at {first.origin}: `{first.source}`; remove one or rename it")
        else:
            seen[key] = statement


def _name_span(statement: ir.Statement) -> Span:
    name = getattr(statement, "name", None)
    return name.span if isinstance(name, ir.Word) else statement.span


def check_reserved(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """`host` and `outside` name the root namespace and the test uplink; they cannot be declared."""
    for statement in program.statements:
        if isinstance(statement, (ir.Ns, ir.Bridge)) and statement.name.text in RESERVED:
            yield error("E102", f"'{statement.name.text}' is a reserved name", statement.name.span,
                        "`host` is the root namespace and `outside` the LAN that `nsgen test` adds; pick another name")


def check_name_lengths(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Bridge and interface names fit the kernel's 15 bytes; namespace and lab names 255."""
    for statement in program.statements:
        if isinstance(statement, ir.Bridge):
            yield from _ifname_length(statement.name, "bridge name")
        elif isinstance(statement, (ir.Ns, ir.Lab)) and len(statement.name.text.encode()) > NAME_MAX:
            yield error("E103", f"name is {len(statement.name.text)} bytes long; at most {NAME_MAX} are allowed",
                        statement.name.span)
        elif isinstance(statement, ir.Veth):
            for end in (statement.left, statement.right):
                if end.ifname is not None:
                    yield from _ifname_length(end.ifname, "interface name")
        elif isinstance(statement, ir.Masquerade) and statement.out_interface:
            yield from _ifname_length(statement.out_interface, "interface name")
        elif isinstance(statement, (ir.Vxlan, ir.Tunnel)):
            yield from _ifname_length(statement.name, "interface name")
        elif isinstance(statement, ir.Macvlan):
            yield from _ifname_length(statement.name, "interface name")
            yield from _ifname_length(statement.parent, "interface name")
        elif isinstance(statement, (ir.Forward, ir.ForwardAddress, ir.Redirect)) and statement.in_interface:
            yield from _ifname_length(statement.in_interface, "interface name")


def _ifname_length(word: ir.Word, what: str) -> Iterator[Diagnostic]:
    size = len(word.text.encode())
    if size > IFNAMSIZ:
        yield error("E103", f"{what} '{word.text}' is {size} bytes long; the kernel allows at most {IFNAMSIZ}",
                    word.span, f"shorten it, e.g. '{word.text[:IFNAMSIZ]}'")


# references ---------------------------------------------------------------


def unknown_name(word: ir.Word, symbols: Symbols, what: str, extra: tuple[str, ...] = ()) -> Diagnostic:
    candidates = list(symbols.namespaces) + list(extra)
    hint = did_you_mean(word.text, candidates) or f"declare it first: `ns {word.text}`"
    return error("E100", f"unknown {what} '{word.text}'", word.span, hint)


FORWARDING = "net.ipv4.ip_forward"
"""The sysctl `router` sets, and NAT in the host."""

FORWARDING6 = "net.ipv6.conf.all.forwarding"
"""IPv6's: `router` sets it too when the lab has IPv6, and IPv6 NAT in the host."""


def namespace_word(word: ir.Word, symbols: Symbols, what: str) -> Iterator[Diagnostic]:
    """A `router`, `sysctl` or `address` line names a namespace or `host`: not a bridge, nothing unknown."""
    kind = symbols.kind(word.text)
    if kind is None:
        yield unknown_name(word, symbols, "namespace", (ir.HOST,))
    elif kind == "bridge":
        hint = ("bridges live in the host: write `address host:BRIDGE ADDRESS`" if what.startswith("an address")
                else "name a namespace, or `host` for the host itself")
        yield error("E121", f"'{word.text}' is a bridge; {what} belongs to a namespace or `host`", word.span, hint)


def earlier_interfaces(statement: ir.Statement, where: str, symbols: Symbols) -> Iterator[LabInterface]:
    """The lab interfaces declared before `statement` in the same place (`where`: a namespace or
    `host`), `address` lines left out: those a device's name and settings may clash with."""
    for other in symbols.interfaces:
        if other.statement is statement:
            return
        if other.owner == where and not isinstance(other.statement, ir.Address):
            yield other


def name_twice(name: ir.Word, where: str, other: LabInterface) -> Diagnostic:
    """E114: `name` is the name of `other`, a lab interface in the same place."""
    place = "the host" if where == ir.HOST else repr(where)
    return error("E114", f"interface name '{name.text}' is used twice in {place}", name.span,
                 f"also used at {other.statement.origin}: `{other.statement.source}`")


def bridge_port(kind: str, namespace: ir.Word | None, bridge: ir.Word, addresses: tuple[ir.Word, ...],
                symbols: Symbols) -> Iterator[Diagnostic]:
    """A device of `kind` (vxlan, gretap) that joins `bridge`: one in its namespace (E157), a Linux
    bridge (E215 for Open vSwitch), and no address of its own (E117)."""
    if namespace is not None:
        if f"{namespace.text}:{bridge.text}" not in symbols.bridges:
            yield error("E157", f"'{namespace.text}' has no bridge '{bridge.text}'", bridge.span,
                        f"a {kind} in a namespace joins a bridge in that namespace: declare it "
                        f"(`bridge {namespace.text}:{bridge.text}`), or give the {kind} an address")
    elif symbols.kind(bridge.text) != "bridge":
        yield unknown_name(bridge, symbols, "bridge")
    elif bridge.text in symbols.bridges and symbols.bridges[bridge.text].ovs:
        yield error("E215", f"'{bridge.text}' is an Open vSwitch bridge; a {kind} here joins a Linux bridge",
                    bridge.span, f"put the {kind} on a Linux bridge, and link that bridge to the Open vSwitch "
                    "one with a veth (`veth BRIDGE<->SWITCH`)")
    if addresses:
        yield error("E117", f"a {kind} on a bridge takes no address", addresses[0].span,
                    f"give the address to the bridge: `bridge {bridge.text} ip ADDRESS/PREFIX`")


def single_address(word: ir.Word) -> IPAddress | None:
    """The address a word holds when it is one address without prefix, else None (reported elsewhere)."""
    interface = interface_of(word.text)
    return interface.ip if interface is not None and "/" not in word.text else None


def network_word(word: ir.Word, what: str) -> Iterator[Diagnostic]:
    if network_of(word.text, strict=False) is None:
        yield error("E105", f"'{word.text}' is not a valid {what}", word.span,
                    "write a network such as 192.168.1.0/24 or fd00:1::/64, or `default`")
    elif network_of(word.text) is None:
        fixed = network_of(word.text, strict=False)
        yield error("E106", f"{what} {word.text} has host bits set", word.span, f"the network is {fixed}")


# addresses ------------------------------------------------------------------


def check_interface_addresses(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Every address on a bridge or veth end is valid, placed, and gets a prefix."""
    for statement in program.statements:
        if isinstance(statement, ir.Bridge):
            for address in statement.addresses:  # a bridge takes any number, of both families
                yield from _interface_address(address, symbols, statement.key)
        elif isinstance(statement, ir.Veth):
            placed = addressed_ends(statement, symbols)
            for extra in extra_addresses(statement, symbols) if not _repeated(statement, "ip") else ():  # else E135
                yield error("E117", "this address has no end to go on", extra.span, _placement_hint(statement, placed))
            for _end, address in placed:
                yield from _interface_address(address, symbols, bridge_of(statement, symbols))
            yield from _pair_subnets(statement, symbols, placed)
        elif isinstance(statement, (ir.Vxlan, ir.Macvlan, ir.Tunnel)):
            if len(statement.addresses) > 1 and not _repeated(statement, "ip"):  # else E135
                yield error("E117", f"a {statement.source.split()[0]} takes one address", statement.addresses[1].span,
                            "add more with `address NS:IFNAME ADDRESS`")
            for address in statement.addresses[:1]:
                yield from _interface_address(address, symbols, None)


SPECIAL_RANGES = (
    (ipaddress.IPv4Network("0.0.0.0/8"), "in 'this network' (0.0.0.0/8), which no host has"),
    (ipaddress.IPv4Network("127.0.0.0/8"), "a loopback address (127.0.0.0/8), which belongs to `lo`"),
    (ipaddress.IPv4Network("224.0.0.0/4"), "a multicast address (224.0.0.0/4)"),
    (ipaddress.IPv4Network("240.0.0.0/4"), "a reserved address (240.0.0.0/4, with 255.255.255.255)"),
    (ipaddress.IPv6Network("::/128"), "the unspecified IPv6 address (::), which no host has"),
    (ipaddress.IPv6Network("::1/128"), "the IPv6 loopback address (::1), which belongs to `lo`"),
    (ipaddress.IPv6Network("ff00::/8"), "an IPv6 multicast address (ff00::/8)"),
    (ipaddress.IPv6Network("::ffff:0:0/96"), "an IPv4-mapped IPv6 address (::ffff:0:0/96), which no interface has"),
)
"""Ranges no interface address may come from, and what each is."""


def check_address_ranges(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """An interface address from a range no interface can use. Concerns: bridge, veth."""
    for word in _all_interface_addresses(program, symbols):
        what = _special_range(word.text)
        if what is not None:
            yield error("E139", f"{word.text.split('/')[0]} cannot go on an interface: it is {what}", word.span,
                        "use a private address: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (IPv6: fd00::/8)")


def _special_range(text: str) -> str | None:
    interface = interface_of(text)
    return next((what for network, what in SPECIAL_RANGES
                 if interface and interface.version == network.version and interface.ip in network), None)


def _placement_hint(veth: ir.Veth, placed: list[tuple[ir.VethEnd, ir.Word]]) -> str:
    if len({id(end) for end, _word in placed}) == 1:
        return ("toward a bridge only the namespace end takes an address (one of each family); "
                "give the bridge its own with `bridge NAME ip ...`")
    return ("a veth takes at most one address of each family per end: `ip A/P, B/P` (and for IPv6, "
            "`fd00::1/64, fd00::2/64`); add more with `address NS:IFNAME ADDRESS`")


def _interface_address(word: ir.Word, symbols: Symbols, bridge: str | None) -> Iterator[Diagnostic]:
    interface = interface_of(word.text)
    if interface is None:
        yield error("E105", f"'{word.text}' is not a valid IP address", word.span,
                    "IPv4: four numbers 0-255 and an optional prefix 0-32, e.g. 192.168.15.1/24; "
                    "IPv6: hex groups and an optional prefix 0-128, e.g. fd00:15::1/64")
        return
    if _special_range(word.text) is not None:
        return  # E139
    if "/" not in word.text:
        resolved = resolve_address(word.text, symbols, bridge)
        if resolved is None:
            example = f"{word.text}/64" if interface.version == 6 else f"{word.text}/24"
            yield error("E112", f"address {word.text} has no prefix and no lab subnet contains it", word.span,
                        f"write the prefix, e.g. {example}, or give the bridge a subnet of its family")
            return
        interface = resolved
    network = interface.network
    if interface.version == 6:
        yield from ipv6_anycast(word, interface)
    elif network.prefixlen <= 30 and interface.ip in (network.network_address, network.broadcast_address):
        what = "network" if interface.ip == network.network_address else "broadcast"
        yield error("E123", f"{interface.ip} is the {what} address of {network}", word.span,
                    f"pick a host address from {network.network_address + 1} to {network.broadcast_address - 1}")


def ipv6_anycast(word: ir.Word, interface: ipaddress.IPv4Interface | ipaddress.IPv6Interface) -> Iterator[Diagnostic]:
    """E174: an IPv6 address whose interface part is all zeros is its subnet's Subnet-Router anycast
    address: every router on the link answers it, and with `nodad` nothing would say so."""
    network = interface.network
    if network.prefixlen < 127 and interface.ip == network.network_address:
        yield error("E174", f"{interface.ip} is the Subnet-Router anycast address of {network}", word.span,
                    f"every router on the link (a namespace with forwarding on) answers it, and addresses are "
                    f"added with `nodad`, so nothing would catch the clash: pick another, e.g. "
                    f"{network.network_address + 1}")


def _pair_subnets(veth: ir.Veth, symbols: Symbols, placed: list[tuple[ir.VethEnd, ir.Word]]) -> Iterator[Diagnostic]:
    """W126: the two ends' addresses of one family on different subnets."""
    for family in (4, 6):
        words = [word for _end, word in placed if (family_of(word.text) or 4) == family]
        if len(words) != 2 or not all("/" in word.text for word in words):
            continue
        first, second = (interface_of(word.text) for word in words)
        if first is None or second is None or first.network == second.network:
            continue
        example = "fd00::1/64, fd00::2/64" if family == 6 else "10.0.0.1/30, 10.0.0.2/30"
        yield warning("W126", f"the two ends are on different subnets ({first.network} and {second.network})",
                      words[1].span, f"the ends of a pair usually share one subnet, e.g. {example}")


def check_duplicate_addresses(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """The same IP address given to two interfaces."""
    seen: dict[str, ir.Word] = {}
    for word in _all_interface_addresses(program, symbols):
        interface = interface_of(word.text)
        if interface is None:
            continue
        key = str(interface.ip)
        if key in seen:
            yield error("E107", f"address {key} is given twice", word.span,
                        f"it is already used at {seen[key].span}")
        else:
            seen[key] = word


def _all_interface_addresses(program: ir.Program, symbols: Symbols) -> Iterator[ir.Word]:
    for statement in program.statements:
        if isinstance(statement, ir.Bridge):
            yield from statement.addresses
        elif isinstance(statement, ir.Veth):
            yield from (word for _end, word in addressed_ends(statement, symbols))
        elif isinstance(statement, ir.Address):
            yield statement.address
        elif isinstance(statement, (ir.Vxlan, ir.Macvlan, ir.Tunnel)):
            yield from statement.addresses[:1]


def check_interface_overlap(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Two interfaces of one namespace (or the host) on overlapping subnets. Concerns: bridge, veth."""
    by_owner: dict[str, list[LabInterface]] = {}
    for interface in symbols.interfaces:
        if interface.address is not None:
            by_owner.setdefault(interface.owner, []).append(interface)
    for owner, interfaces in by_owner.items():
        for first, second in _overlaps(interfaces):
            assert first.address is not None and second.address is not None
            if first.address.ip == second.address.ip or first.ifname == second.ifname:
                continue  # the same address twice (E107), or one name twice (E114)
            if isinstance(first.statement, ir.Bridge) and isinstance(second.statement, ir.Bridge):
                continue  # E108
            yield _overlap_error(owner, first, second)


def _overlaps(interfaces: list[LabInterface]) -> Iterator[tuple[LabInterface, LabInterface]]:
    """Pairs whose subnets overlap (one contains the other), the one written first first; each interface
    is paired with at most one earlier-sorted subnet."""
    def start(interface: LabInterface) -> int:
        assert interface.address is not None
        return (interface.address.version << 128) + int(interface.address.network.network_address)

    def end(interface: LabInterface) -> int:
        assert interface.address is not None
        return (interface.address.version << 128) + int(interface.address.network.broadcast_address)

    reach, holder = -1, None
    for interface in sorted(interfaces, key=lambda i: (start(i), -end(i))):
        if holder is not None and start(interface) <= reach:
            first, second = sorted((holder, interface), key=lambda i: i.word.span)
            yield first, second
        if end(interface) > reach:
            reach, holder = end(interface), interface


def _overlap_error(owner: str, first: LabInterface, second: LabInterface) -> Diagnostic:
    assert first.address is not None and second.address is not None
    place = "the host" if owner == ir.HOST else f"'{owner}'"
    message = (f"{place} has {second.address.network} on {second.ifname}, "
               f"which overlaps {first.address.network} on {first.ifname}")
    hint = (f"{first.ifname} gets its address at {first.statement.origin}; the kernel sends the addresses "
            f"both subnets hold out of one of the two only: give each interface of {place} its own subnet")
    return error("E132", message, second.word.span, hint)


# ports ------------------------------------------------------------------------


def port_range(number: ir.Number) -> Iterator[Diagnostic]:
    """E115 for a port outside 1-65535."""
    if not 1 <= number.value <= 65535:
        yield error("E115", f"port {number.value} is outside 1-65535", number.span)


# interfaces -----------------------------------------------------------------------


def check_interface_names(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Two interfaces with one name in one namespace (defaults included), or one named `lo`."""
    seen: dict[tuple[str, str], ir.Statement] = {
        (end_home(name, symbols) or ir.HOST, bare_name(name)): symbols.bridges[name] for name in symbols.bridges}
    for veth in veths_of(program):
        if veth.left.owner.text == veth.right.owner.text:
            continue  # reported as E113
        for end, ifname in zip((veth.left, veth.right), end_ifnames(veth, symbols), strict=True):
            where = end_home(end.owner.text, symbols) or ir.HOST
            span = end.ifname.span if end.ifname else end.owner.span
            if ifname == "lo":
                yield error("E114", "'lo' is the loopback interface's name", span, "name the veth end otherwise")
            elif (where, ifname) in seen:
                first = seen[(where, ifname)]
                place = "the host" if where == ir.HOST else f"'{where}'"
                hint = f"also used at {first.origin}: `{first.source}`; name this end with `{end.owner.text}:IFNAME`"
                yield error("E114", f"interface name '{ifname}' is used twice in {place}", span, hint)
            else:
                seen[(where, ifname)] = veth


def check_rule_interfaces(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """`in`/`out` names a lab interface the host's rules never see: a bridge port, or an end in a namespace.

    Concerns: masquerade, forward."""
    in_host = {i.ifname for i in symbols.interfaces if i.owner == ir.HOST and i.bridge is None}
    hidden = {i.ifname: i for i in reversed(symbols.interfaces)  # reversed: the first of a name wins
              if i.ifname not in in_host and (i.bridge is not None or (i.owner != ir.HOST and not i.named))}
    for statement in program.statements:
        if isinstance(statement, (ir.Masquerade, ir.Forward)) and statement.namespace is not None \
                and statement.namespace.text != ir.HOST:
            continue  # rules inside a namespace: check_namespace_rule_interfaces
        if isinstance(statement, ir.Masquerade) and statement.out_interface is not None:
            word, keyword = statement.out_interface, "out"
        elif isinstance(statement, ir.Forward) and statement.in_interface is not None:
            word, keyword = statement.in_interface, "in"
        else:
            continue
        interface = hidden.get(word.text)
        if interface is not None and interface.bridge is not None:
            bridge = interface.bridge
            yield warning("W134", f"'{word.text}' is a port of bridge '{bridge}'; the host's rules see "
                          f"packets crossing it on '{bridge}'", word.span, f"write `{keyword} {bridge}`")
        elif interface is not None:
            yield warning("W134", f"'{word.text}' is an interface in namespace '{interface.owner}'; the host's rules "
                          "never see it", word.span, _host_side_hint(symbols, interface, keyword))


def check_namespace_rule_interfaces(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """`nat NS ... out IF`, `forward NS ... in IF`, `redirect NS ... in IF`: IF is an interface the lab
    gives NS (warning: a namespace that was there before may have interfaces of its own)."""
    for statement in program.statements:
        if not isinstance(statement, (ir.Masquerade, ir.Forward, ir.ForwardAddress, ir.Redirect)) \
                or statement.namespace is None:
            continue
        netns = statement.namespace.text
        word = statement.out_interface if isinstance(statement, ir.Masquerade) else statement.in_interface
        if word is None or netns == ir.HOST or symbols.kind(netns) != "ns":
            continue
        own = sorted({i.ifname for i in symbols.interfaces if i.owner == netns})
        if word.text not in own and word.text != "lo":
            yield warning("W190", f"the lab gives namespace '{netns}' no interface '{word.text}'", word.span,
                          f"its interfaces are {', '.join(own)}" if own else
                          f"give '{netns}' an interface (a veth end such as `{netns}:{word.text}`)")


def _host_side_hint(symbols: Symbols, interface: LabInterface, keyword: str) -> str:
    """`in IF`/`out IF` naming where the namespace end's packets meet the host: its bridge or its host-side peer."""
    for peer in symbols.interfaces:
        if peer.statement is interface.statement and peer is not interface and peer.owner == ir.HOST:
            return f"write `{keyword} {peer.bridge or peer.ifname}`, where its packets enter the host"
    return "name an interface of the host: its uplink (such as eth0), a bridge, or a host end of a veth"


def check_repeated_options(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """An option given twice on one bridge or veth (`mtu 1400 mtu 1500`). Concerns: bridge, veth."""
    for statement in program.statements:
        if not isinstance(statement, (ir.Bridge, ir.Veth, ir.Vxlan, ir.Macvlan, ir.Tunnel)):
            continue
        first: dict[str, ir.Option] = {}
        for option in statement.options:
            if option.keyword in first:
                several = option.keyword == "ip" and isinstance(statement, (ir.Veth, ir.Bridge))
                lost = "" if several else "; one value would be lost"
                yield error("E135", f"`{option.keyword}` is given twice{lost}", option.span,
                            _repeated_hint(statement, first[option.keyword], option))
            first.setdefault(option.keyword, option)


def _repeated_hint(statement: ir.Bridge | ir.Veth | ir.Vxlan | ir.Macvlan | ir.Tunnel, first: ir.Option,
                   again: ir.Option) -> str:
    if again.keyword == "ip" and isinstance(statement, ir.Veth):
        addresses = ", ".join(a.text for a in statement.addresses)
        return f"a veth takes its addresses in one option, one per end: `ip {addresses}`"
    if again.keyword == "ip" and isinstance(statement, ir.Bridge):
        return f"a bridge takes its addresses in one option: `ip {', '.join(a.text for a in statement.addresses)}`"
    start = statement.span.column
    said = [statement.source[o.span.column - start : o.span.end_column - start] for o in (first, again)]
    one = "a bridge takes one address: keep" if again.keyword == "ip" else "keep"
    return f"{one} `{said[0]}` or `{said[1]}`"


def _repeated(statement: ir.Bridge | ir.Veth | ir.Vxlan | ir.Macvlan | ir.Tunnel, keyword: str) -> bool:
    return sum(option.keyword == keyword for option in statement.options) > 1


def check_mtu(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """MTUs within what Linux accepts for IPv4 links."""
    for statement in program.statements:
        mtu = getattr(statement, "mtu", None)
        if isinstance(mtu, ir.Number) and not MTU_RANGE[0] <= mtu.value <= MTU_RANGE[1]:
            yield error("E118", f"mtu {mtu.value} is outside {MTU_RANGE[0]}-{MTU_RANGE[1]}", mtu.span)


IPV6_MIN_MTU = 1280
"""Below this MTU the kernel runs no IPv6 on an interface."""


def check_ipv6_mtu(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """E175: an IPv6 address on a link whose MTU is below 1280 (the kernel turns IPv6 off there, so
    adding the address fails)."""
    for statement in program.statements:
        mtu = getattr(statement, "mtu", None)
        if not isinstance(mtu, ir.Number) or mtu.value >= IPV6_MIN_MTU or not MTU_RANGE[0] <= mtu.value:
            continue
        for word in getattr(statement, "addresses", ()):
            if family_of(word.text) == 6:
                yield error("E175", f"IPv6 needs an MTU of at least {IPV6_MIN_MTU}; this link has {mtu.value}",
                            word.span, f"raise the link's `mtu` to {IPV6_MIN_MTU} or more, or give it IPv4 only")


LINK_CHECKS: tuple[Check, ...] = (
    check_name_lengths, check_interface_addresses, check_address_ranges, check_duplicate_addresses,
    check_interface_overlap, check_interface_names, check_repeated_options, check_mtu, check_ipv6_mtu,
)
"""The checks every statement that makes interfaces (names, addresses, options, MTU) shares."""

