"""Generate the benchmark lab (nsgen source) and the naive tutorial-style scripts.

The lab of size N is one bridge ``br0`` on 10.200.0.0/16, N namespaces ``p1..pN``
each joined to the bridge by a veth pair and given a default route via the
bridge, one MASQUERADE for the subnet and one TCP port forward per namespace
(host port 10000+i to namespace i, port 80).
"""

from __future__ import annotations

BRIDGE = "br0"
BRIDGE_ADDRESS = "10.200.0.1"
SUBNET = "10.200.0.0/16"
PREFIX = 16
FIRST_PORT = 10000
MAX_SIZE = 65535 - FIRST_PORT  # ports and addresses must both fit


def namespace(i: int) -> str:
    """Name of namespace number ``i`` (1-based)."""
    return f"p{i}"


def address(i: int) -> str:
    """Address of namespace ``i``: 10.200.0.2 for i=1, counting up through the /16."""
    host = i + 1
    return f"10.200.{host // 256}.{host % 256}"


def port(i: int) -> int:
    """Host port forwarded to namespace ``i``."""
    return FIRST_PORT + i


def check_size(n: int) -> None:
    """Reject sizes the address and port scheme cannot hold."""
    if not 1 <= n <= MAX_SIZE:
        raise ValueError(f"lab size must be between 1 and {MAX_SIZE}, got {n}")


BRIDGE_ADDRESS6 = "fd00:200::1"
SUBNET6 = "fd00:200::/64"


def address6(i: int) -> str:
    """IPv6 address of namespace ``i`` in the dual-stack lab: fd00:200::2 for i=1, counting up."""
    return f"fd00:200::{i + 1:x}"


def lab_source(n: int, dual: bool = False) -> str:
    """nsgen source text of the N-namespace benchmark lab; `dual`: the dual-stack lab, with an IPv6
    address, default route, masquerade and port forward beside each IPv4 one."""
    check_size(n)
    bridge = f"{BRIDGE_ADDRESS}/{PREFIX}" + (f", {BRIDGE_ADDRESS6}/64" if dual else "")
    lines = [f"lab bench{n}", f"bridge {BRIDGE} ip {bridge}"]
    for i in range(1, n + 1):
        ns = namespace(i)
        lines += [
            f"ns {ns}",
            f"veth {ns}:eth0<->{BRIDGE} ip {address(i)}/{PREFIX}" + (f", {address6(i)}/64" if dual else ""),
            f"route {ns} default via {BRIDGE_ADDRESS}",
        ]
        if dual:
            lines.append(f"route {ns} default via {BRIDGE_ADDRESS6}")
    lines.append(f"nat masquerade {SUBNET}")
    lines += [f"forward tcp {port(i)} -> {address(i)}:80" for i in range(1, n + 1)]
    if dual:
        lines.append(f"nat masquerade {SUBNET6}")
        lines += [f"forward tcp {port(i)} -> [{address6(i)}]:80" for i in range(1, n + 1)]
    return "\n".join(lines) + "\n"


def _naive_rules(n: int) -> list[str]:
    """iptables rule specifications (without -A/-D) of the naive script."""
    rules = [f"-t nat {{op}} POSTROUTING -s {SUBNET} -j MASQUERADE"]
    rules += [
        f"-t nat {{op}} PREROUTING -p tcp --dport {port(i)} -j DNAT --to-destination {address(i)}:80"
        for i in range(1, n + 1)
    ]
    return rules


def _naive_namespace_steps(i: int) -> list[str]:
    """The tutorial's commands for one namespace, one process per step."""
    ns, inner, outer = namespace(i), f"v-{namespace(i)}", f"v-{namespace(i)}-br"
    return [
        f"ip netns add {ns}",
        f"ip link add {inner} type veth peer name {outer}",
        f"ip link set {inner} netns {ns}",
        f"ip link set {outer} master {BRIDGE} up",
        f"ip netns exec {ns} ip addr add {address(i)}/{PREFIX} dev {inner}",
        f"ip netns exec {ns} ip link set {inner} up",
        f"ip netns exec {ns} ip route add default via {BRIDGE_ADDRESS}",
    ]


def naive_apply(n: int) -> str:
    """Tutorial-style apply script: one command per step, one iptables call per rule."""
    check_size(n)
    lines = [
        "#!/bin/bash",
        f"# naive reference for bench{n}: the tutorial's one-command-per-step style",
        "set -e",
        f"ip link add {BRIDGE} type bridge",
        f"ip addr add {BRIDGE_ADDRESS}/{PREFIX} dev {BRIDGE}",
        f"ip link set {BRIDGE} up",
    ]
    for i in range(1, n + 1):
        lines += _naive_namespace_steps(i)
    lines += [f"iptables {rule.format(op='-A')}" for rule in _naive_rules(n)]
    return "\n".join(lines) + "\n"


def naive_down(n: int) -> str:
    """Tutorial-style teardown: delete each rule, each namespace, then the bridge."""
    check_size(n)
    lines = ["#!/bin/bash", f"# naive teardown for bench{n}", "set -e"]
    lines += [f"iptables {rule.format(op='-D')}" for rule in _naive_rules(n)]
    lines += [f"ip netns del {namespace(i)}" for i in range(1, n + 1)]
    lines.append(f"ip link del {BRIDGE}")
    return "\n".join(lines) + "\n"
