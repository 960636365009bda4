"""nsgen import of a router namespace's rules written by hand: a FORWARD that drops what it does
not accept (`router NS deny` and `allow FROM -> TO via NS`), a whole-address DNAT (`forward NS
ADDRESS -> TARGET`) and a REDIRECT (`redirect NS PROTO PORT -> PORT2`), in iptables and nft; and
what is refused or warned about."""

from __future__ import annotations

import pytest

from nsgen.importer import import_script
from tests.test_import import same_lab

ROUTER = """ip netns add lan
ip netns add r1
ip netns add dmz
ip -n lan link set lo up
ip -n r1 link set lo up
ip -n dmz link set lo up
ip link add veth-lan netns lan type veth peer name inside netns r1
ip link add dmz netns r1 type veth peer name veth-dmz netns dmz
ip -n lan addr add 10.0.1.2/24 dev veth-lan
ip -n r1 addr add 10.0.1.1/24 dev inside
ip -n r1 addr add 10.0.2.1/24 dev dmz
ip -n dmz addr add 10.0.2.2/24 dev veth-dmz
ip -n lan link set veth-lan up
ip -n r1 link set inside up
ip -n r1 link set dmz up
ip -n dmz link set veth-dmz up
ip -n lan route add default via 10.0.1.1
ip -n dmz route add default via 10.0.2.1
ip netns exec r1 sysctl -w net.ipv4.ip_forward=1
"""
LAB = """ns lan
ns r1
ns dmz
veth lan<->r1:inside ip 10.0.1.2/24, 10.0.1.1/24
veth r1:dmz<->dmz ip 10.0.2.1/24, 10.0.2.2/24
route lan default via 10.0.1.1
route dmz default via 10.0.2.1
"""


DUAL_ROUTER = """lab dual-router
ns lan
ns r1
ns dmz
ns edge
bridge br0 ip 10.0.9.1/24
veth host<->r1:up ip 10.0.8.1/24, 10.0.8.2/24
veth lan<->r1:inside ip 10.0.1.2/24, 10.0.1.1/24, fd00:1::2/64, fd00:1::1/64
veth r1:dmz<->dmz ip 10.0.2.1/24, 10.0.2.2/24, fd00:2::1/64, fd00:2::2/64
veth r1:wan<->edge ip 203.0.113.1/24, 203.0.113.2/24
route lan default via 10.0.1.1
route lan default via fd00:1::1
route dmz default via 10.0.2.1
route dmz default via fd00:2::1
router r1 deny
allow lan -> dmz via r1 tcp 80
allow lan -> outside via r1
allow outside -> dmz via r1 tcp 443
allow host -> lan via r1 udp 53
allow 198.51.100.0/24 -> dmz via r1 udp 53
allow dmz -> 10.0.1.2 via r1
nat r1 masquerade 10.0.1.0/24 out wan
forward r1 tcp 8443 -> 10.0.2.2:443 in wan
forward r1 203.0.113.10 -> 10.0.2.2 in wan
forward r1 fd00:9::10 -> fd00:2::2
redirect r1 tcp 8080 -> 3128 in inside
redirect r1 udp 53 -> 5353
"""
"""A dual-stack default-deny router with every kind of `allow ... via` side (namespace, host,
outside, CIDR, address), NAT, port and whole-address forwards of both families, and redirects."""


HAND_ROUTER = {
    "iptables": "ip netns exec r1 iptables -P FORWARD DROP\n"
                "ip netns exec r1 iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
                "ip netns exec r1 iptables -A FORWARD -s 10.0.1.2 -d 10.0.2.2 -p tcp --dport 80 -j ACCEPT\n"
                "ip netns exec r1 iptables -A FORWARD -d 10.0.2.2 -m conntrack --ctstate DNAT --ctorigdst 10.0.1.100 "
                "-j ACCEPT\n"
                "ip netns exec r1 iptables -t nat -A PREROUTING -i inside -p tcp --dport 8080 -j REDIRECT "
                "--to-ports 3128\n"
                "ip netns exec r1 iptables -t nat -A PREROUTING -d 10.0.1.100 -j DNAT --to-destination 10.0.2.2\n",
    "nft": "ip netns exec r1 nft add table inet t\n"
           "ip netns exec r1 nft 'add chain inet t filt { type filter hook forward priority 0; policy drop; }'\n"
           "ip netns exec r1 nft add rule inet t filt ct state established,related accept\n"
           "ip netns exec r1 nft add rule inet t filt ip saddr 10.0.1.2 ip daddr 10.0.2.2 tcp dport 80 accept\n"
           "ip netns exec r1 nft add rule inet t filt ip daddr 10.0.2.2 ct status dnat ct original ip daddr 10.0.1.100 "
           "accept\n"
           "ip netns exec r1 nft 'add chain inet t pre { type nat hook prerouting priority dstnat; }'\n"
           "ip netns exec r1 nft add rule inet t pre iifname inside tcp dport 8080 redirect to :3128\n"
           "ip netns exec r1 nft add rule inet t pre ip daddr 10.0.1.100 dnat ip to 10.0.2.2\n",
}
"""A router's rules written by hand: a FORWARD policy DROP with replies and one flow accepted, a
REDIRECT and a whole-address DNAT."""
HAND_ROUTER_LAB = LAB + ("router r1 deny\nallow lan -> dmz via r1 tcp 80\nredirect r1 tcp 8080 -> 3128 in inside\n"
                         "forward r1 10.0.1.100 -> 10.0.2.2\n")


def _import(text: str) -> tuple[str, list[str], bool]:
    result = import_script(text, "script.sh")
    return result.text, [d.code for d in result.diagnostics], result.ok


def _messages(text: str) -> list[str]:
    return [f"{d.code} {d.span.line}: {d.message}" for d in import_script(text, "script.sh").diagnostics]


# -- router NS deny and allow ... via NS ----------------------------------------------------------
def test_forward_policy_drop_with_accepts_is_router_deny() -> None:
    script = ROUTER + (
        "ip netns exec r1 iptables -P FORWARD DROP\n"
        "ip netns exec r1 iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n"
        "ip netns exec r1 iptables -A FORWARD -s 10.0.1.2 -d 10.0.2.2 -p tcp --dport 80 -j ACCEPT\n"
        "ip netns exec r1 iptables -A FORWARD -s 10.0.2.0/24 -d 10.0.1.2/32 -j ACCEPT\n")
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    assert "router r1 deny" in text
    same_lab(text, LAB + "router r1 deny\nallow lan -> dmz via r1 tcp 80\nallow 10.0.2.0/24 -> lan via r1\n",
             name=False)


def test_closing_drop_with_outside_is_router_deny_nft() -> None:
    script = ROUTER + """ip netns exec r1 nft -f - <<'EOF'
table inet filter {
  chain forward {
    type filter hook forward priority filter; policy accept;
    ct state established,related accept
    ip saddr 10.0.1.2 ip daddr != { 10.0.1.0/24, 10.0.2.0/24 } accept
    ip saddr 10.0.2.2 udp dport 53 accept
    meta nfproto ipv4 drop
  }
}
EOF
"""
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    same_lab(text, LAB + "router r1 deny\nallow lan -> outside via r1\nallow dmz -> 0.0.0.0/0 via r1 udp 53\n",
             name=False)


def test_outside_from_drops_before_an_accept_iptables() -> None:
    script = ROUTER + (
        "ip netns exec r1 iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
        "ip netns exec r1 iptables -A FORWARD -s 10.0.1.0/24 -d 10.0.2.2 -p tcp --dport 443 -j DROP\n"
        "ip netns exec r1 iptables -A FORWARD -s 10.0.2.0/24 -d 10.0.2.2 -p tcp --dport 443 -j DROP\n"
        "ip netns exec r1 iptables -A FORWARD -d 10.0.2.2 -p tcp --dport 443 -j ACCEPT\n"
        "ip netns exec r1 iptables -A FORWARD -j DROP\n")
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    same_lab(text, LAB + "router r1 deny\nallow outside -> dmz via r1 tcp 443\n", name=False)


def test_outside_whose_dropped_subnets_are_not_the_labs_is_a_warning() -> None:
    script = ROUTER + (
        "ip netns exec r1 iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
        "ip netns exec r1 iptables -A FORWARD -s 10.0.1.2 -d 10.0.2.0/24 -j DROP\n"
        "ip netns exec r1 iptables -A FORWARD -s 10.0.1.2 -j ACCEPT\n"
        "ip netns exec r1 iptables -A FORWARD -j DROP\n")
    text, codes, ok = _import(script)
    assert ok and codes == ["W347"], codes
    message = _messages(script)[0]
    assert "every address but 10.0.2.0/24" in message and "10.0.1.0/24, 10.0.2.0/24" in message, message
    same_lab(text, LAB + "router r1 deny\nallow lan -> outside via r1\n", name=False)


def test_an_accept_of_a_port_alone_is_any_address_of_the_namespaces_families_nft() -> None:
    """No address: `0.0.0.0/0` (the namespace has IPv4 only); a `log` rule passes what it sees."""
    script = ROUTER + ("ip netns exec r1 nft add table inet t\n"
                       "ip netns exec r1 nft 'add chain inet t f { type filter hook forward priority 0; "
                       "policy drop; }'\n"
                       "ip netns exec r1 nft add rule inet t f ct state established,related accept\n"
                       "ip netns exec r1 nft add rule inet t f log\n"
                       "ip netns exec r1 nft add rule inet t f tcp dport 80 accept\n")
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    same_lab(text, LAB + "router r1 deny\nallow 0.0.0.0/0 -> 0.0.0.0/0 via r1 tcp 80\n", name=False)


def test_a_deny_router_keeps_its_nat_accepts_apart() -> None:
    """The accepts a masquerade needs are the `nat` line's, not an `allow`."""
    script = ROUTER + (
        "ip netns exec r1 iptables -t nat -A POSTROUTING -s 10.0.1.0/24 -o dmz -j MASQUERADE\n"
        "ip netns exec r1 iptables -A FORWARD -s 10.0.1.0/24 -o dmz -j ACCEPT\n"
        "ip netns exec r1 iptables -A FORWARD -d 10.0.1.0/24 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
        "ip netns exec r1 iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
        "ip netns exec r1 iptables -A FORWARD -j DROP\n")
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    assert "allow" not in text
    same_lab(text, LAB + "router r1 deny\nnat r1 masquerade 10.0.1.0/24 out dmz\n", name=False)


def test_a_deny_router_without_replies_accepted_is_a_warning() -> None:
    script = ROUTER + ("ip netns exec r1 iptables -P FORWARD DROP\n"
                       "ip netns exec r1 iptables -A FORWARD -s 10.0.1.2 -d 10.0.2.2 -j ACCEPT\n")
    text, codes, ok = _import(script)
    assert ok and codes == ["W347"], codes
    assert "accepts no replies" in _messages(script)[0]
    same_lab(text, LAB + "router r1 deny\nallow lan -> dmz via r1\n", name=False)


def test_a_deny_router_of_ipv4_only_in_a_dual_stack_namespace_is_a_warning() -> None:
    script = ROUTER + ("ip -n r1 addr add fd00:1::1/64 dev inside\nip -n lan addr add fd00:1::2/64 dev veth-lan\n"
                       "ip netns exec r1 sysctl -w net.ipv6.conf.all.forwarding=1\n"
                       "ip netns exec r1 iptables -A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT\n"
                       "ip netns exec r1 iptables -A FORWARD -j DROP\n")
    text, codes, ok = _import(script)
    assert ok and codes == ["W347"], codes
    assert "drops IPv4 only" in _messages(script)[0]
    assert "router r1 deny" in text


def test_a_deny_router_whose_forwarding_is_off_is_a_warning() -> None:
    script = ROUTER.replace("ip netns exec r1 sysctl -w net.ipv4.ip_forward=1\n", "") + (
        "ip netns exec r1 iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
        "ip netns exec r1 iptables -A FORWARD -j DROP\n")
    text, codes, ok = _import(script)
    assert ok and codes == ["W348"], codes
    same_lab(text, LAB + "router r1 deny\n", name=False)


@pytest.mark.parametrize(("rule", "why"), [
    ("-i inside -s 10.0.1.2 -j ACCEPT", "that is not an `allow ... via r1`"),
    ("-p icmp -j ACCEPT", "that is not an `allow ... via r1`"),
    ("-s 10.0.1.2 -j REJECT", "that is not an `allow ... via r1`"),
    ("-s 10.0.1.2 -d 10.0.2.0/24 -j DROP", "that no accept of the same source or destination follows"),
])
def test_forward_rules_a_deny_router_cannot_say_are_refused(rule: str, why: str) -> None:
    script = ROUTER + (f"ip netns exec r1 iptables -A FORWARD {rule}\n"
                       "ip netns exec r1 iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
                       "ip netns exec r1 iptables -A FORWARD -j DROP\n")
    text, codes, ok = _import(script)
    assert not ok and codes == ["E323"], codes
    message = _messages(script)[0]
    assert why in message and message.startswith("E323 20:"), message
    assert "router r1 deny" in text


def test_a_forward_rule_after_the_closing_drop_is_refused() -> None:
    script = ROUTER + ("ip netns exec r1 iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
                       "ip netns exec r1 iptables -A FORWARD -j DROP\n"
                       "ip netns exec r1 iptables -A FORWARD -s 10.0.1.2 -j ACCEPT\n")
    _text, codes, ok = _import(script)
    assert not ok and codes == ["E323"], codes
    assert "after the DROP that closes it" in _messages(script)[0]


def test_a_forward_drop_without_a_closing_drop_is_still_refused() -> None:
    script = ROUTER + "ip netns exec r1 iptables -A FORWARD -s 10.0.1.2 -j DROP\n"
    _text, codes, ok = _import(script)
    assert not ok and codes == ["E323"], codes
    assert "closes nothing" in _messages(script)[0]


def test_a_drop_policy_of_input_in_a_namespace_is_refused() -> None:
    script = ROUTER + "ip netns exec r1 iptables -P INPUT DROP\n"
    _text, codes, ok = _import(script)
    assert not ok and codes == ["E323"], codes


# -- forward NS ADDRESS -> TARGET ------------------------------------------------------------------
def test_whole_address_dnat_is_forward_ns_address() -> None:
    script = ROUTER + "ip netns exec r1 iptables -t nat -A PREROUTING -i inside -d 10.0.1.100 -j DNAT " \
                      "--to-destination 10.0.2.2\n"
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    assert "forward r1 10.0.1.100 -> 10.0.2.2 in inside" in text
    same_lab(text, LAB + "router r1\nforward r1 10.0.1.100 -> 10.0.2.2 in inside\n", name=False)


def test_whole_address_dnat_with_its_output_rule_and_accepts_nft() -> None:
    script = ROUTER + """ip netns exec r1 nft -f - <<'EOF'
table ip nat {
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr 10.96.0.10 dnat to 10.0.2.2
  }
  chain out {
    type nat hook output priority -100; policy accept;
    ip daddr 10.96.0.10 dnat to 10.0.2.2
  }
  chain fwd {
    type filter hook forward priority filter; policy drop;
    ip daddr 10.0.2.2 ct status dnat ct original ip daddr 10.96.0.10 accept
    ip saddr 10.0.2.2 ct state established,related accept
    ct state established,related accept
  }
}
EOF
"""
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    same_lab(text, LAB + "router r1 deny\nforward r1 10.96.0.10 -> 10.0.2.2\n", name=False)


@pytest.mark.parametrize(("rule", "why"), [
    ("-d 10.0.1.0/24 -j DNAT --to-destination 10.0.2.2", "`-d 10.0.1.0/24` is not one address"),
    ("-d 10.0.1.100 -j DNAT --to-destination 10.0.2.2:80", "the target `10.0.2.2:80` is not one address"),
    ("-s 10.0.1.2 -d 10.0.1.100 -j DNAT --to-destination 10.0.2.2", "it matches more than its destination"),
    ("-p tcp -d 10.0.1.100 -j DNAT --to-destination 10.0.2.2", "without a destination port"),
])
def test_whole_address_dnat_the_lab_cannot_say_is_refused(rule: str, why: str) -> None:
    script = ROUTER + f"ip netns exec r1 iptables -t nat -A PREROUTING {rule}\n"
    _text, codes, ok = _import(script)
    assert not ok and codes in (["E323"], ["E324"]), codes
    assert why in _messages(script)[0]


def test_whole_address_dnat_in_the_host_is_refused() -> None:
    script = ROUTER + "iptables -t nat -A PREROUTING -d 10.96.0.10 -j DNAT --to-destination 10.0.2.2\n"
    _text, codes, ok = _import(script)
    assert not ok and codes == ["E323"], codes
    assert "in the host" in _messages(script)[0]


def test_an_output_dnat_of_an_address_no_prerouting_forwards_is_refused() -> None:
    script = ROUTER + "ip netns exec r1 iptables -t nat -A OUTPUT -d 10.96.0.10 -j DNAT --to-destination 10.0.2.2\n"
    _text, codes, ok = _import(script)
    assert not ok and codes == ["E323"], codes


# -- redirect NS PROTO PORT -> PORT2 ---------------------------------------------------------------
def test_prerouting_redirect_is_redirect_ns() -> None:
    script = ROUTER + "ip netns exec r1 iptables -t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 3128\n"
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    assert "redirect r1 tcp 80 -> 3128" in text
    same_lab(text, LAB + "router r1\nredirect r1 tcp 80 -> 3128\n", name=False)


def test_redirect_with_its_output_rule_nft_and_without_to_ports_iptables() -> None:
    script = ROUTER + """ip netns exec r1 nft -f - <<'EOF'
table inet t {
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "inside" udp dport 53 redirect to :5353
  }
  chain out {
    type nat hook output priority -100; policy accept;
    fib daddr type local udp dport 53 redirect to :5353
  }
}
EOF
ip netns exec r1 iptables -t nat -A PREROUTING -i dmz -p tcp --dport 8080 -j REDIRECT
"""
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    same_lab(text, LAB + "router r1\nredirect r1 udp 53 -> 5353 in inside\nredirect r1 tcp 8080 -> 8080 in dmz\n",
             name=False)


@pytest.mark.parametrize("rule", [
    "-t nat -A PREROUTING -p tcp -d 10.0.2.2 --dport 80 -j REDIRECT --to-ports 3128",
    "-t nat -A PREROUTING -p icmp -j REDIRECT",
    "-t nat -A POSTROUTING -p tcp --dport 80 -j REDIRECT --to-ports 3128",
    "-t nat -A OUTPUT -p tcp -m addrtype --dst-type LOCAL --dport 80 -j REDIRECT --to-ports 3128",
])
def test_redirects_the_lab_cannot_say_are_refused(rule: str) -> None:
    script = ROUTER + f"ip netns exec r1 iptables {rule}\n"
    text, codes, ok = _import(script)
    assert not ok and codes == ["E323"], codes
    assert not [line for line in text.splitlines() if line.startswith("redirect")]


@pytest.mark.parametrize("target", ["iptables", "nft"])
def test_plain_build_of_a_dual_stack_deny_router_imports_back(target: str) -> None:
    """Every `allow ... via` side, both families' forwards and redirects, read back from nsgen's script."""
    from nsgen.compiler import compile_source
    from nsgen.compiler.targets import render

    compiled = compile_source(DUAL_ROUTER, "dual-router.ns", target, "dual-router.ns")
    assert compiled.plan is not None
    text, codes, ok = _import(render(compiled.plan, target, "setup", "plain"))
    assert ok and codes == [], codes
    same_lab(text, DUAL_ROUTER)


@pytest.mark.parametrize("firewall", ["iptables", "nft"])
def test_a_hand_written_deny_router_imports(firewall: str) -> None:
    """The script tests/kernel/test_import.py runs and reads back with --live, read as a script."""
    text, codes, ok = _import(ROUTER + HAND_ROUTER[firewall])
    assert ok and codes == [], codes
    same_lab(text, HAND_ROUTER_LAB, name=False)


def test_a_deny_router_that_does_not_accept_its_forwards_connections_is_a_warning() -> None:
    script = ROUTER + (
        "ip netns exec r1 iptables -t nat -A PREROUTING -d 10.0.1.100 -j DNAT --to-destination 10.0.2.2\n"
        "ip netns exec r1 iptables -P FORWARD DROP\n"
        "ip netns exec r1 iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n")
    text, codes, ok = _import(script)
    assert ok and codes == ["W347"], codes
    message = _messages(script)[0]
    assert message.startswith("W347 20:") and "does not accept the connections" in message, message
    same_lab(text, LAB + "router r1 deny\nforward r1 10.0.1.100 -> 10.0.2.2\n", name=False)


def test_a_forward_drop_policy_in_iptables_restore_is_router_deny() -> None:
    script = ROUTER + """ip netns exec r1 iptables-restore <<'EOF'
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -s 10.0.1.0/24 -d 10.0.2.2/32 -p udp --dport 53 -j ACCEPT
COMMIT
EOF
"""
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    same_lab(text, LAB + "router r1 deny\nallow 10.0.1.0/24 -> dmz via r1 udp 53\n", name=False)


def test_a_forward_drop_policy_of_the_host_is_still_refused() -> None:
    script = ROUTER + "iptables -P FORWARD DROP\n"
    _text, codes, ok = _import(script)
    assert not ok and codes == ["E323"], codes


def test_an_nft_chain_written_on_one_line_is_read() -> None:
    script = ROUTER + """ip netns exec r1 nft -f - <<'EOF'
table inet t {
  chain pre { type nat hook prerouting priority dstnat; policy accept; tcp dport 80 redirect to :3128; }
  chain out { type nat hook output priority -100; policy accept; fib daddr type local tcp dport 80 redirect to :3128; }
}
EOF
"""
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    same_lab(text, LAB + "router r1\nredirect r1 tcp 80 -> 3128\n", name=False)


def test_flows_that_are_not_every_source_to_every_destination_are_one_allow_each() -> None:
    script = ROUTER + (
        "ip netns exec r1 iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
        "ip netns exec r1 iptables -A FORWARD -s 10.0.1.2 -d 10.0.2.2 -p tcp --dport 22 -j ACCEPT\n"
        "ip netns exec r1 iptables -A FORWARD -s 10.0.2.2 -d 10.0.1.2 -p tcp --dport 22 -j ACCEPT\n"
        "ip netns exec r1 iptables -A FORWARD -j DROP\n")
    text, codes, ok = _import(script)
    assert ok and codes == [], codes
    assert "allow 10.0.1.2 -> 10.0.2.2 via r1 tcp 22" in " ".join(text.split()), text
    same_lab(text, LAB + "router r1 deny\nallow lan -> dmz via r1 tcp 22\nallow dmz -> lan via r1 tcp 22\n",
             name=False)
