"""Semantic checks: each a small function from the program to diagnostics; all run, all collected."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator

from nsgen.compiler import ir
from nsgen.compiler.diagnostics import Diagnostic, Span, error, sort_key, warning
from nsgen.compiler.symbols import (
    IFNAMSIZ,
    RESERVED,
    LabInterface,
    Symbols,
    addressed_ends,
    bridge_of,
    did_you_mean,
    end_ifnames,
    interface_of,
    network_of,
    resolve_address,
)

Check = Callable[[ir.Program, Symbols], Iterator[Diagnostic]]

NAME_MAX = 255
MTU_RANGE = (68, 65535)


def _of(program: ir.Program, kind: type[ir.Statement]) -> Iterator[ir.Statement]:
    return (s for s in program.statements if isinstance(s, kind))


def _veths(program: ir.Program) -> Iterator[ir.Veth]:
    return (s for s in program.statements if isinstance(s, ir.Veth))


# declarations --------------------------------------------------------------


def check_duplicates(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A name declared twice (as namespace or bridge), or a second `lab` line."""
    seen: dict[str, ir.Statement] = {}
    for statement in program.statements:
        if isinstance(statement, ir.Lab):
            key, what = "\0lab", "the lab's name"
        elif isinstance(statement, (ir.Ns, ir.Bridge)):
            key, what = statement.name.text, f"'{statement.name.text}'"
        else:
            continue
        if key in seen:
            first = seen[key]
            yield error("E101", f"{what} is declared twice", _name_span(statement),
                        f"first declared at {first.origin}: `{first.source}`; remove one or rename it")
        else:
            seen[key] = statement


def check_repeated_ipv6(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """`ipv6 link-local` said more than once: harmless, but a sign of a pasted block."""
    first: ir.Ipv6 | None = None
    for statement in program.statements:
        if not isinstance(statement, ir.Ipv6):
            continue
        if first is None:
            first = statement
            continue
        yield warning("W130", "`ipv6 link-local` is repeated; it applies to the whole lab once",
                      statement.span, f"already said at {first.origin}; remove this line")


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
        elif isinstance(statement, ir.Forward) and statement.in_interface:
            yield from _ifname_length(statement.in_interface, "interface name")


def _ifname_length(word: ir.Word, what: str) -> Iterator[Diagnostic]:
    size = len(word.text.encode())
    if size > IFNAMSIZ:
        yield error("E103", f"{what} '{word.text}' is {size} bytes long; the kernel allows at most {IFNAMSIZ}",
                    word.span, f"shorten it, e.g. '{word.text[:IFNAMSIZ]}'")


# references ---------------------------------------------------------------


def _unknown(word: ir.Word, symbols: Symbols, what: str, extra: tuple[str, ...] = ()) -> Diagnostic:
    candidates = list(symbols.namespaces) + list(extra)
    hint = did_you_mean(word.text, candidates) or f"declare it first: `ns {word.text}`"
    return error("E100", f"unknown {what} '{word.text}'", word.span, hint)


def check_veth_ends(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Veth ends: implied bridges (warning), `outside`, loops, and bridge-to-bridge pairs."""
    for veth in _veths(program):
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
        elif symbols.kind(left) == symbols.kind(right) == "bridge":
            yield error("E124", "a veth cannot join two bridges", veth.span,
                        "plug namespaces into bridges: `veth NS<->BRIDGE`")


def check_routes(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A route's namespace exists, its destination is a network, its gateway is reachable."""
    for route in _of(program, ir.Route):
        assert isinstance(route, ir.Route)
        where = route.namespace.text
        kind = symbols.kind(where)
        if kind is None:
            yield _unknown(route.namespace, symbols, "namespace", (ir.HOST,))
        elif kind == "bridge":
            yield error("E121", f"'{where}' is a bridge; routes belong to a namespace or `host`",
                        route.namespace.span, "give the route to a namespace plugged into that bridge")
        if route.destination is not None:
            yield from _network_word(route.destination, "route destination")
        gateway = route.gateway
        if "/" in gateway.text or interface_of(gateway.text) is None:
            yield error("E105", f"'{gateway.text}' is not a gateway address", gateway.span,
                        "a gateway is one IPv4 address without prefix, e.g. 192.168.15.5")
        elif kind in ("ns", "host") and not _on_connected_subnet(symbols, where, gateway.text):
            yield error("E109", f"gateway {gateway.text} is on no subnet that '{where}' is connected to",
                        gateway.span, _subnets_hint(symbols, where))


def check_gateway_is_neighbour(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A gateway is not its subnet's network or broadcast address, nor the namespace's own. Concerns: route."""
    for route in _of(program, ir.Route):
        assert isinstance(route, ir.Route)
        where, gateway = route.namespace.text, _single_address(route.gateway)
        if gateway is None:
            continue
        own = symbols.interface_with.get((where, gateway))
        if own is not None and own.address is not None:
            place = "the host" if where == ir.HOST else f"'{where}'"
            yield error("E131", f"gateway {gateway} is an address of {place} itself (on {own.ifname})",
                        route.gateway.span, _neighbour_hint(symbols, where, own.address.network))
            continue
        for subnet in symbols.connected.get(where, ()):
            if subnet.prefixlen <= 30 and gateway in (subnet.network_address, subnet.broadcast_address):
                what = "network" if gateway == subnet.network_address else "broadcast"
                yield error("E131", f"gateway {gateway} is the {what} address of {subnet}", route.gateway.span,
                            _neighbour_hint(symbols, where, subnet))
                break


def _single_address(word: ir.Word) -> ipaddress.IPv4Address | None:
    """The address a word holds when it is one address without prefix, else None (reported elsewhere)."""
    interface = interface_of(word.text)
    return interface.ip if interface is not None and "/" not in word.text else None


def _neighbour_hint(symbols: Symbols, where: str, subnet: ipaddress.IPv4Network) -> str:
    for other in symbols.interfaces:
        if other.owner != where and other.address is not None and other.address.network == subnet:
            who = "the host" if other.owner == ir.HOST else f"'{other.owner}'"
            return f"route via a neighbour's address on {subnet}, e.g. {other.address.ip} ({who} on {other.ifname})"
    return f"route via a neighbour's address on {subnet}; no other interface of the lab has one yet"


def _on_connected_subnet(symbols: Symbols, where: str, gateway: str) -> bool:
    address = ipaddress.IPv4Address(gateway)
    return any(address in subnet for subnet in symbols.connected.get(where, ()))


def _subnets_hint(symbols: Symbols, where: str) -> str:
    subnets = sorted({str(s) for s in symbols.connected.get(where, ())})
    if not subnets:
        return f"'{where}' has no address yet: give it one on a veth, then route via a neighbour on that subnet"
    return f"'{where}' is on {', '.join(subnets)}; the gateway must be an address there"


def _network_word(word: ir.Word, what: str) -> Iterator[Diagnostic]:
    if network_of(word.text, strict=False) is None:
        yield error("E105", f"'{word.text}' is not a valid {what}", word.span,
                    "write a network such as 192.168.1.0/24, or `default`")
    elif network_of(word.text) is None:
        fixed = network_of(word.text, strict=False)
        yield error("E106", f"{what} {word.text} has host bits set", word.span, f"the network is {fixed}")


# addresses ------------------------------------------------------------------


def check_interface_addresses(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Every address on a bridge or veth end is valid, placed, and gets a prefix."""
    for statement in program.statements:
        if isinstance(statement, ir.Bridge):
            if len(statement.addresses) > 1 and not _repeated(statement, "ip"):  # else E135
                yield error("E117", "a bridge takes one address", statement.addresses[1].span,
                            "give the other addresses to namespaces on the bridge")
            for address in statement.addresses[:1]:
                yield from _interface_address(address, symbols, statement.name.text)
        elif isinstance(statement, ir.Veth):
            placed = addressed_ends(statement, symbols)
            for extra in statement.addresses[len(placed):] if not _repeated(statement, "ip") else ():  # else E135
                yield error("E117", "this address has no end to go on", extra.span, _placement_hint(statement, placed))
            for _end, address in placed:
                yield from _interface_address(address, symbols, bridge_of(statement, symbols))
            yield from _pair_subnets(statement, symbols, placed)


SPECIAL_RANGES = (
    (ipaddress.IPv4Network("0.0.0.0/8"), "in 'this network' (0.0.0.0/8), which no host has"),
    (ipaddress.IPv4Network("127.0.0.0/8"), "a loopback address (127.0.0.0/8), which belongs to `lo`"),
    (ipaddress.IPv4Network("224.0.0.0/4"), "a multicast address (224.0.0.0/4)"),
    (ipaddress.IPv4Network("240.0.0.0/4"), "a reserved address (240.0.0.0/4, with 255.255.255.255)"),
)
"""Ranges no interface address may come from, and what each is."""


def check_address_ranges(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """An interface address from a range no interface can use. Concerns: bridge, veth."""
    for word in _all_interface_addresses(program, symbols):
        what = _special_range(word.text)
        if what is not None:
            yield error("E139", f"{word.text.split('/')[0]} cannot go on an interface: it is {what}", word.span,
                        "use a private address: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")


def _special_range(text: str) -> str | None:
    interface = interface_of(text)
    return next((what for network, what in SPECIAL_RANGES if interface and interface.ip in network), None)


def _placement_hint(veth: ir.Veth, placed: list[tuple[ir.VethEnd, ir.Word]]) -> str:
    if len(placed) == 1:
        return ("toward a bridge only the namespace end takes an address; "
                "give the bridge its own with `bridge NAME ip ...`")
    return "a veth takes at most one address per end: `ip A/P, B/P`"


def _interface_address(word: ir.Word, symbols: Symbols, bridge: str | None) -> Iterator[Diagnostic]:
    interface = interface_of(word.text)
    if interface is None:
        yield error("E105", f"'{word.text}' is not a valid IPv4 address", word.span,
                    "four numbers 0-255 and an optional prefix 0-32, e.g. 192.168.15.1/24")
        return
    if _special_range(word.text) is not None:
        return  # E139
    if "/" not in word.text:
        resolved = resolve_address(word.text, symbols, bridge)
        if resolved is None:
            yield error("E112", f"address {word.text} has no prefix and no lab subnet contains it", word.span,
                        f"write the prefix, e.g. {word.text}/24, or give the bridge a subnet")
            return
        interface = resolved
    network = interface.network
    if network.prefixlen <= 30 and interface.ip in (network.network_address, network.broadcast_address):
        what = "network" if interface.ip == network.network_address else "broadcast"
        yield error("E123", f"{interface.ip} is the {what} address of {network}", word.span,
                    f"pick a host address from {network.network_address + 1} to {network.broadcast_address - 1}")


def _pair_subnets(veth: ir.Veth, symbols: Symbols, placed: list[tuple[ir.VethEnd, ir.Word]]) -> Iterator[Diagnostic]:
    if len(placed) != 2:
        return
    interfaces = [interface_of(word.text) for _end, word in placed]
    first, second = interfaces
    if first is None or second is None or "/" not in placed[0][1].text or "/" not in placed[1][1].text:
        return
    if first.network != second.network:
        yield warning("W126", f"the two ends are on different subnets ({first.network} and {second.network})",
                      placed[1][1].span, "the ends of a pair usually share one subnet, e.g. 10.0.0.1/30, 10.0.0.2/30")


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
            yield from statement.addresses[:1]
        elif isinstance(statement, ir.Veth):
            yield from (word for _end, word in addressed_ends(statement, symbols))


def check_bridge_overlap(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Two bridges whose subnets overlap: the host could not tell where to send packets."""
    seen: list[tuple[str, ipaddress.IPv4Network]] = []
    for name, network in symbols.bridge_subnets.items():
        for other, other_network in seen:
            if network.overlaps(other_network):
                bridge = symbols.bridges[name]
                message = f"bridge '{name}' subnet {network} overlaps bridge '{other}' subnet {other_network}"
                yield error("E108", message, bridge.addresses[0].span, "give each bridge its own subnet")
        seen.append((name, network))


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
        return int(interface.address.network.network_address)

    def end(interface: LabInterface) -> int:
        assert interface.address is not None
        return int(interface.address.network.broadcast_address)

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


# NAT --------------------------------------------------------------------------


def check_masquerade(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A masquerade subnet is a valid network."""
    for statement in _of(program, ir.Masquerade):
        assert isinstance(statement, ir.Masquerade)
        yield from _network_word(statement.subnet, "masquerade subnet")


def check_repeated_masquerade(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """The same subnet masqueraded twice through the same `out` (or none). Concerns: masquerade."""
    seen: dict[tuple[ipaddress.IPv4Network, str | None], ir.Masquerade] = {}
    for statement in _of(program, ir.Masquerade):
        assert isinstance(statement, ir.Masquerade)
        network = network_of(statement.subnet.text)
        if network is None:
            continue
        key = (network, statement.out_interface.text if statement.out_interface else None)
        if key in seen:
            first = seen[key]
            yield warning("W136", f"{network} is already masqueraded{f' out {key[1]}' if key[1] else ''}",
                          statement.subnet.span, f"see {first.origin}: `{first.source}`; remove this line")
        seen.setdefault(key, statement)


def check_masquerade_everything(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """`nat masquerade 0.0.0.0/0`: iptables refuses its rule, nft's matches nothing. Concerns: masquerade."""
    subnets = sorted({i.address.network for i in symbols.interfaces if i.address is not None})
    example = f"nat masquerade {subnets[0] if subnets else '10.0.0.0/24'} out eth0"
    for statement in _of(program, ir.Masquerade):
        assert isinstance(statement, ir.Masquerade)
        network = network_of(statement.subnet.text)
        if network is not None and network.prefixlen == 0:
            yield error("E138", "0.0.0.0/0 cannot be masqueraded: the rule leaves traffic to its own subnet "
                        "alone, here all traffic (iptables refuses it, nft's matches nothing)", statement.subnet.span,
                        f"masquerade each lab subnet, with `out IF` for only what leaves the host there: `{example}`")


def check_masquerade_in_lab(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A masquerade subnet that holds no address of the lab matches no lab traffic. Concerns: masquerade."""
    addresses = [i.address for i in symbols.interfaces if i.address is not None]
    for statement in _of(program, ir.Masquerade):
        assert isinstance(statement, ir.Masquerade)
        network = network_of(statement.subnet.text)
        if network is None or network.prefixlen == 0 or any(a.ip in network for a in addresses):
            continue
        subnets = [str(n) for n in sorted({a.network for a in addresses})]
        known = f"the lab's subnets are {', '.join(subnets[:4])}" if subnets else "the lab has no address yet"
        yield warning("W137", f"no address of the lab is in {network}, so this masquerades none of its traffic",
                      statement.subnet.span, f"{known}; masquerade one of those, or fix the subnet")


def check_forwards(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Ports in range, a target address that belongs to a namespace, no port forwarded twice."""
    seen: dict[tuple[str, int], ir.Forward] = {}
    for statement in _of(program, ir.Forward):
        assert isinstance(statement, ir.Forward)
        yield from _port(statement.port)
        if statement.target_port is not None:
            yield from _port(statement.target_port)
        key = (statement.protocol.text, statement.port.value)
        if key in seen:
            yield error("E128", f"{key[0]} port {key[1]} is already forwarded", statement.port.span,
                        f"see {seen[key].origin}: `{seen[key].source}`")
        seen.setdefault(key, statement)
        yield from _forward_target(statement, symbols)


def _forward_target(forward: ir.Forward, symbols: Symbols) -> Iterator[Diagnostic]:
    target = forward.target
    if "/" in target.text or interface_of(target.text) is None:
        yield error("E105", f"'{target.text}' is not a forward target address", target.span,
                    "the target is one address of a namespace, without prefix, e.g. 192.168.15.2:80")
        return
    if symbols.namespace_of_address.get(target.text) is None:
        yield error("E110", f"forward target {target.text} belongs to no namespace", target.span,
                    "forward to an address given to a namespace's veth end")


def check_forward_replies(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A forward target's namespace has a route for its replies: to the `in` interface's subnet when the lab
    knows it, else any route of its own. Concerns: forward."""
    host_subnets = {i.ifname: i.address.network for i in reversed(symbols.interfaces)
                    if i.owner == ir.HOST and i.address is not None}  # reversed: the first of a name wins
    for forward in _of(program, ir.Forward):
        assert isinstance(forward, ir.Forward)
        owner = symbols.namespace_of_address.get(str(_single_address(forward.target)))
        if owner is None:
            continue
        routes = symbols.routes.get(owner, [])
        arrival = forward.in_interface.text if forward.in_interface else None
        clients = host_subnets.get(arrival) if arrival else None
        if clients is None and not routes:
            gateway = _host_neighbour(symbols, owner)
            yield warning("W111", f"'{owner}' has no route of its own, so replies to forwarded connections "
                          "may not return", forward.target.span, f"add `route {owner} default via {gateway}`, "
                          "or a route to where the clients are")
        elif clients is not None and not any(clients.subnet_of(route) for route in routes):
            gateway = _host_neighbour(symbols, owner)
            yield warning("W111", f"'{owner}' has no route to {clients}, where connections arriving on "
                          f"{arrival} come from, so replies may not return", forward.target.span,
                          f"add `route {owner} {clients} via {gateway}`, or `route {owner} default via {gateway}`")


def _host_neighbour(symbols: Symbols, owner: str) -> str:
    """An address of the host on a subnet of `owner` (the gateway a route in `owner` usually takes), or GATEWAY."""
    subnets = symbols.connected.get(owner, [])
    for interface in symbols.interfaces:
        if interface.owner == ir.HOST and interface.address and interface.address.network in subnets:
            return str(interface.address.ip)
    return "GATEWAY"


def check_forward_reachable(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """The host has a lab route to each forward target: its own subnet, or a `route host`. Concerns: forward."""
    known = _network_index(symbols.connected.get(ir.HOST, []) + symbols.routes.get(ir.HOST, []))
    for forward in _of(program, ir.Forward):
        assert isinstance(forward, ir.Forward)
        target = _single_address(forward.target)
        owner = symbols.namespace_of_address.get(str(target))
        if target is None or owner is None or _covered(known, target):
            continue
        interface = symbols.interface_with[(owner, target)]
        assert interface.address is not None
        yield error("E133", f"the host has no route to forward target {target}", forward.target.span,
                    _host_route_hint(symbols, owner, interface.address.network))


def _host_route_hint(symbols: Symbols, owner: str, subnet: ipaddress.IPv4Network) -> str:
    """Name a namespace on both `subnet` and a subnet of the host, as the gateway of the missing route."""
    host = symbols.connected.get(ir.HOST, [])
    routers = {i.owner for i in symbols.interfaces if i.address and i.address.network == subnet} - {owner}
    for router in symbols.interfaces:
        if router.owner in routers and router.address and router.address.network in host:
            return f"add `route host {subnet} via {router.address.ip}` ('{router.owner}', which is on {subnet} too)"
    return (f"'{owner}' is on {subnet}, where the host has no address: plug '{owner}' into a bridge with an "
            f"address, or add `route host {subnet} via GATEWAY`")


def _network_index(networks: list[ipaddress.IPv4Network]) -> set[tuple[int, int]]:
    """Networks as (prefix length, address >> host bits), for `_covered`."""
    return {(n.prefixlen, int(n.network_address) >> (32 - n.prefixlen)) for n in networks}


def _covered(index: set[tuple[int, int]], address: ipaddress.IPv4Address) -> bool:
    """True if a network of the index contains the address (33 lookups, however many networks)."""
    value = int(address)
    return any((length, value >> (32 - length)) in index for length in range(33))


def _port(number: ir.Number) -> Iterator[Diagnostic]:
    if not 1 <= number.value <= 65535:
        yield error("E115", f"port {number.value} is outside 1-65535", number.span)


# expectations -------------------------------------------------------------------


def check_expectations(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Expectations name known namespaces (or `host`/`outside`), valid addresses and ports."""
    extra = RESERVED
    for statement in program.statements:
        if isinstance(statement, ir.ExpectPing):
            yield from _known_ns(statement.source_ns, symbols, extra)
            yield from _bare_address(statement.address)
        elif isinstance(statement, ir.ExpectConnect):
            yield from _known_ns(statement.source_ns, symbols, extra)
            yield from _known_ns(statement.listener_ns, symbols, extra)
            yield from _bare_address(statement.address)
            yield from _port(statement.port)
            if statement.listener_port is not None:
                yield from _port(statement.listener_port)
            if statement.seen_from is not None:
                yield from _bare_address(statement.seen_from)
                if statement.negated:
                    yield error("E129", "`from` cannot go with `no`", statement.seen_from.span,
                                "a connection that must fail has no source to check")


def _known_ns(word: ir.Word, symbols: Symbols, extra: tuple[str, ...]) -> Iterator[Diagnostic]:
    if word.text not in symbols.namespaces and word.text not in extra:
        yield _unknown(word, symbols, "namespace", extra)


def _bare_address(word: ir.Word) -> Iterator[Diagnostic]:
    if "/" in word.text or interface_of(word.text) is None:
        yield error("E105", f"'{word.text}' is not a single IPv4 address", word.span,
                    "e.g. 192.168.15.2, without prefix")


# interfaces -----------------------------------------------------------------------


def check_interface_names(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Two interfaces with one name in one namespace (defaults included), or one named `lo`."""
    seen: dict[tuple[str, str], ir.Statement] = {(ir.HOST, name): symbols.bridges[name] for name in symbols.bridges}
    for veth in _veths(program):
        if veth.left.owner.text == veth.right.owner.text:
            continue  # reported as E113
        for end, ifname in zip((veth.left, veth.right), end_ifnames(veth, symbols), strict=True):
            where = end.owner.text if symbols.kind(end.owner.text) == "ns" else ir.HOST
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


def _host_side_hint(symbols: Symbols, interface: LabInterface, keyword: str) -> str:
    """`in IF`/`out IF` naming where the namespace end's packets meet the host: its bridge or its host-side peer."""
    for peer in symbols.interfaces:
        if peer.statement is interface.statement and peer is not interface and peer.owner == ir.HOST:
            return f"write `{keyword} {peer.bridge or peer.ifname}`, where its packets enter the host"
    return "name an interface of the host: its uplink (such as eth0), a bridge, or a host end of a veth"


def check_repeated_options(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """An option given twice on one bridge or veth (`mtu 1400 mtu 1500`). Concerns: bridge, veth."""
    for statement in program.statements:
        if not isinstance(statement, (ir.Bridge, ir.Veth)):
            continue
        first: dict[str, ir.Option] = {}
        for option in statement.options:
            if option.keyword in first:
                lost = "" if option.keyword == "ip" and isinstance(statement, ir.Veth) else "; one value would be lost"
                yield error("E135", f"`{option.keyword}` is given twice{lost}", option.span,
                            _repeated_hint(statement, first[option.keyword], option))
            first.setdefault(option.keyword, option)


def _repeated_hint(statement: ir.Bridge | ir.Veth, first: ir.Option, again: ir.Option) -> str:
    if again.keyword == "ip" and isinstance(statement, ir.Veth):
        addresses = ", ".join(a.text for a in statement.addresses)
        return f"a veth takes its addresses in one option, one per end: `ip {addresses}`"
    start = statement.span.column
    said = [statement.source[o.span.column - start : o.span.end_column - start] for o in (first, again)]
    one = "a bridge takes one address: keep" if again.keyword == "ip" else "keep"
    return f"{one} `{said[0]}` or `{said[1]}`"


def _repeated(statement: ir.Bridge | ir.Veth, keyword: str) -> bool:
    return sum(option.keyword == keyword for option in statement.options) > 1


def check_mtu(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """MTUs within what Linux accepts for IPv4 links."""
    for statement in program.statements:
        mtu = getattr(statement, "mtu", None)
        if isinstance(mtu, ir.Number) and not MTU_RANGE[0] <= mtu.value <= MTU_RANGE[1]:
            yield error("E118", f"mtu {mtu.value} is outside {MTU_RANGE[0]}-{MTU_RANGE[1]}", mtu.span)


CHECKS: tuple[Check, ...] = (
    check_duplicates, check_reserved, check_name_lengths, check_veth_ends,
    check_routes, check_gateway_is_neighbour,
    check_interface_addresses, check_address_ranges, check_duplicate_addresses, check_bridge_overlap,
    check_interface_overlap,
    check_masquerade, check_repeated_masquerade, check_masquerade_everything, check_masquerade_in_lab,
    check_forwards, check_forward_reachable, check_forward_replies, check_rule_interfaces,
    check_expectations, check_interface_names, check_repeated_options, check_mtu, check_repeated_ipv6,
)


def run_checks(program: ir.Program, symbols: Symbols) -> list[Diagnostic]:
    """Every check's diagnostics, in source order."""
    found = [d for check in CHECKS for d in check(program, symbols)]
    return sorted(found, key=sort_key)

