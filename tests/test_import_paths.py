"""nsgen import of the rules a `forward` adds beside its DNAT (the host's own connections in nat
OUTPUT, the hairpin MASQUERADE), of NAT and isolation inside namespaces, and of `run`."""

from __future__ import annotations

from nsgen.importer import import_script
from tests.test_import import same_lab

LAB = """ip netns add blue
ip -n blue link set lo up
ip link add veth-blue type veth peer name veth-blue-host
ip link set veth-blue netns blue
ip addr add 10.0.0.1/24 dev veth-blue-host
ip link set veth-blue-host up
ip -n blue addr add 10.0.0.2/24 dev veth-blue
ip -n blue link set veth-blue up
ip -n blue route add default via 10.0.0.1
sysctl -w net.ipv4.ip_forward=1
"""
BLUE = "ns blue\nveth blue<->host ip 10.0.0.2/24, 10.0.0.1/24\nroute blue default via 10.0.0.1\n"


def _import(text: str) -> tuple[str, list[str], bool]:
    result = import_script(text, "script.sh")
    return result.text, [d.code for d in result.diagnostics], result.ok


def test_output_dnat_and_hairpin_go_with_their_forward_iptables() -> None:
    script = LAB + (
        "iptables -t nat -A PREROUTING -p tcp -m addrtype --dst-type LOCAL --dport 8080 -j DNAT "
        "--to-destination 10.0.0.2:80\n"
        "iptables -t nat -A OUTPUT ! -d 127.0.0.0/8 -p tcp -m addrtype --dst-type LOCAL --dport 8080 -j DNAT "
        "--to-destination 10.0.0.2:80\n"
        "iptables -t nat -A POSTROUTING -s 10.0.0.0/24 -d 10.0.0.2/32 -p tcp --dport 80 -m conntrack "
        "--ctstate DNAT -j MASQUERADE\n")
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    # the hairpin is not a masquerade of 10.0.0.0/24 of its own
    same_lab(text, BLUE + "forward tcp 8080 -> 10.0.0.2:80\n", name=False)


def test_output_dnat_and_hairpin_go_with_their_forward_nft() -> None:
    script = LAB + """nft -f - <<'EOF'
table ip t {
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    fib daddr type local udp dport 53 dnat to 10.0.0.2
  }
  chain out {
    type nat hook output priority -100; policy accept;
    ip daddr != 127.0.0.0/8 fib daddr type local udp dport 53 dnat to 10.0.0.2:53
  }
  chain hairpin {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr 10.0.0.0/24 ip daddr 10.0.0.2 udp dport 53 ct status dnat masquerade
  }
}
EOF
"""
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    same_lab(text, BLUE + "forward udp 53 -> 10.0.0.2:53\n", name=False)


def test_output_dnat_without_its_forward_is_refused() -> None:
    script = LAB + ("iptables -t nat -A OUTPUT -p tcp -m addrtype --dst-type LOCAL --dport 8080 -j DNAT "
                    "--to-destination 10.0.0.2:80\n")
    _text, codes, ok = _import(script)
    assert not ok and codes == ["E323"]


def test_hairpin_of_another_forward_is_refused() -> None:
    script = LAB + (
        "iptables -t nat -A PREROUTING -p tcp -m addrtype --dst-type LOCAL --dport 8080 -j DNAT "
        "--to-destination 10.0.0.2:80\n"
        "iptables -t nat -A POSTROUTING -s 10.0.0.0/24 -d 10.0.0.2/32 -p tcp --dport 81 -m conntrack "
        "--ctstate DNAT -j MASQUERADE\n")
    _text, codes, ok = _import(script)
    assert not ok and codes == ["E323"]


def test_output_dnat_of_a_forward_with_in_is_refused() -> None:
    """A forward with `in` has no OUTPUT rule: an OUTPUT DNAT beside it says what the language cannot."""
    script = LAB + (
        "iptables -t nat -A PREROUTING -i eth0 -p tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:80\n"
        "iptables -t nat -A OUTPUT -p tcp -m addrtype --dst-type LOCAL --dport 8080 -j DNAT "
        "--to-destination 10.0.0.2:80\n")
    _text, codes, ok = _import(script)
    assert not ok and codes == ["E323"]


ROUTER = """ip netns add red
ip netns add r1
ip -n red link set lo up
ip -n r1 link set lo up
ip link add eth0 netns red type veth peer name eth0 netns r1
ip -n red addr add 10.0.1.2/24 dev eth0
ip -n r1 addr add 10.0.1.1/24 dev eth0
ip -n red link set eth0 up
ip -n r1 link set eth0 up
ip -n red route add default via 10.0.1.1
ip netns exec r1 sysctl -w net.ipv4.ip_forward=1
"""
ROUTER_LAB = ("ns red\nns r1\nveth red:eth0<->r1:eth0 ip 10.0.1.2/24, 10.0.1.1/24\n"
              "route red default via 10.0.1.1\nrouter r1\n")


def test_nat_inside_a_namespace_iptables() -> None:
    script = ROUTER + (
        "ip netns exec r1 iptables -t nat -A POSTROUTING -s 10.0.1.0/24 -o eth1 -j MASQUERADE\n"
        "ip netns exec r1 iptables -t nat -A PREROUTING -i eth1 -p tcp --dport 8080 -j DNAT "
        "--to-destination 10.0.1.2:80\n"
        "ip netns exec r1 iptables -t nat -A OUTPUT -p tcp -m addrtype --dst-type LOCAL --dport 8080 -j DNAT "
        "--to-destination 10.0.1.2:80\n"
        "ip netns exec r1 iptables -A FORWARD -s 10.0.1.0/24 -o eth1 -j ACCEPT\n"
        "ip netns exec r1 iptables -t nat -L -n\n")
    text, codes, ok = _import(script)
    assert ok and codes == ["W337"], codes  # the FORWARD accept is the lab's own, inside r1 too
    assert "nat r1 masquerade 10.0.1.0/24 out eth1" in text
    # a hand-written script's forwarding stays a `router` line (the same lab either way)
    same_lab(text, ROUTER_LAB + "nat r1 masquerade 10.0.1.0/24 out eth1\n"
             "forward r1 tcp 8080 -> 10.0.1.2:80 in eth1\n", name=False)


def test_nat_inside_a_namespace_nft() -> None:
    script = ROUTER + """ip netns exec r1 nft -f - <<'EOF'
table ip mine {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr 10.0.1.0/24 oifname "eth1" masquerade
  }
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    udp dport 53 dnat to 10.0.1.2
  }
}
EOF
"""
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    same_lab(text, ROUTER_LAB + "nat r1 masquerade 10.0.1.0/24 out eth1\nforward r1 udp 53 -> 10.0.1.2:53\n",
             name=False)


def test_rules_inside_a_namespace_are_its_own() -> None:
    """A host chain and a namespace's chain of the same name are two chains: the namespace's jump
    hooks only its own."""
    script = ROUTER + (
        "ip netns exec r1 iptables -t nat -N mine\n"
        "ip netns exec r1 iptables -t nat -A POSTROUTING -j mine\n"
        "ip netns exec r1 iptables -t nat -A mine -s 10.0.1.0/24 -o eth1 -j MASQUERADE\n"
        "iptables -t nat -N mine\n"
        "iptables -t nat -A mine -s 10.0.1.0/24 -j DROP\n")
    _text, codes, ok = _import(script)
    assert not ok and codes == ["E323"]  # the host's DROP (chain hooked nowhere) is refused alone


ISOLATED = """ip netns add red
ip netns add blue
ip -n red link set lo up
ip -n blue link set lo up
ip link add eth0 netns red type veth peer name eth0 netns blue
ip -n red addr add 10.0.1.1/24 dev eth0
ip -n blue addr add 10.0.1.2/24 dev eth0
ip -n red link set eth0 up
ip -n blue link set eth0 up
"""
ISOLATED_LAB = "ns red\nns blue\nveth red:eth0<->blue:eth0 ip 10.0.1.1/24, 10.0.1.2/24\nisolate blue\n"


def test_isolate_and_allow_iptables() -> None:
    script = ISOLATED + (
        "ip netns exec blue iptables -A INPUT -i lo -j ACCEPT\n"
        "ip netns exec blue iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n"
        "ip netns exec blue iptables -A INPUT -s 10.0.1.1 -p tcp --dport 80 -j ACCEPT\n"
        "ip netns exec blue iptables -A INPUT -s 192.168.7.0/24 -j ACCEPT\n"
        "ip netns exec blue iptables -A INPUT -j DROP\n")
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    assert "allow red -> blue tcp 80" in text  # red's one address: red
    same_lab(text, ISOLATED_LAB + "allow red -> blue tcp 80\nallow 192.168.7.0/24 -> blue\n", name=False)


def test_isolate_and_allow_nft() -> None:
    script = ISOLATED + """ip netns exec blue nft -f - <<'EOF'
table ip mine {
  chain input {
    type filter hook input priority filter; policy accept;
    iif lo accept
    ct state established,related accept
    ip saddr != { 10.0.1.0/24 } udp dport 53 accept
    drop
  }
}
EOF
"""
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    same_lab(text, ISOLATED_LAB + "allow outside -> blue udp 53\n", name=False)


def test_input_accepts_without_a_drop_are_refused() -> None:
    script = ISOLATED + "ip netns exec blue iptables -A INPUT -s 10.0.1.1 -j ACCEPT\n"
    _text, codes, ok = _import(script)
    assert not ok and codes == ["E323"]


def test_input_rule_that_is_no_allow_is_refused() -> None:
    script = ISOLATED + ("ip netns exec blue iptables -A INPUT -i eth0 -p tcp --dport 22 -j ACCEPT\n"
                         "ip netns exec blue iptables -A INPUT -j DROP\n")
    _text, codes, ok = _import(script)
    assert not ok and codes == ["E323"]


def test_processes_in_namespaces_are_run_lines() -> None:
    script = ISOLATED.replace("isolate blue", "") + (
        "ip netns exec red python3 -m http.server 80 --bind 10.0.1.1 &\n"
        "setsid ip netns exec blue sh -c 'echo hi; exec sleep 1000' </dev/null >>/tmp/blue.log 2>&1 &\n"
        "ip netns exec red ping -c1 10.0.1.2\n"
        "ip netns exec red setsid sleep 1000 &\n")
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    assert 'run blue sh -c "echo hi; exec sleep 1000"' in text
    same_lab(text, ISOLATED_LAB.replace("isolate blue\n", "") + "run red python3 -m http.server 80 --bind 10.0.1.1\n"
             "run red sleep 1000\n"
             'run blue sh -c "echo hi; exec sleep 1000"\n', name=False)


def test_processes_run_cannot_say_are_refused() -> None:
    _text, codes, ok = _import(ISOLATED + "setsid python3 -m http.server &\n")
    assert not ok and codes == ["E323"]
    _text, codes, ok = _import(ISOLATED + "ip netns exec red sh -c \"echo \\\"a'b\\\"\" &\n")
    assert not ok and codes == ["E323"]
