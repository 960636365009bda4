#!/usr/bin/env bash
# Setup of nsgen lab 'router-nat', compiled from router-nat.ns (target iptables, plain style).
# Creates namespaces red, r1, edge; veth pairs veth-red/veth-r1, eth1/veth-edge; route in red; rules
# in namespace r1 (masquerade 10.0.1.0/24, tcp 8080 -> 10.0.1.2:80, udp 5353 -> 10.0.1.2:53).
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain router-nat.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/router-nat # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/router-nat/source 2>/dev/null || echo router-nat.ns)" != router-nat.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/router-nat/source >&2; exit 1; fi
echo router-nat.ns >/run/nsgen/labs/router-nat/source
# router-nat.ns:3  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/router-nat/record
ip -n red link set dev lo up
# router-nat.ns:4  ns r1
ip netns add r1; echo '+ netns r1' >>/run/nsgen/labs/router-nat/record
ip -n r1 link set dev lo up
# router-nat.ns:5  ns edge
ip netns add edge; echo '+ netns edge' >>/run/nsgen/labs/router-nat/record
ip -n edge link set dev lo up
# router-nat.ns:6  veth red<->r1 ip 10.0.1.2/24, 10.0.1.1/24
ip -n red link add name veth-red type veth peer name veth-r1 netns r1
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 10.0.1.2/24 dev veth-red
ip -n r1 link set dev veth-r1 addrgenmode none up
ip -n r1 addr replace 10.0.1.1/24 dev veth-r1
# router-nat.ns:7  veth r1:eth1<->edge ip 10.0.2.1/24, 10.0.2.2/24
ip -n r1 link add name eth1 type veth peer name veth-edge netns edge
ip -n r1 link set dev eth1 addrgenmode none up
ip -n r1 addr replace 10.0.2.1/24 dev eth1
ip -n edge link set dev veth-edge addrgenmode none up
ip -n edge addr replace 10.0.2.2/24 dev veth-edge
# router-nat.ns:8  route red default via 10.0.1.1
ip -n red route add default via 10.0.1.1
ip netns exec r1 iptables-restore --noflush <<'RULES'
*nat
:nsgen-router-nat-pre - [0:0]
:nsgen-router-nat-out - [0:0]
:nsgen-router-nat-post - [0:0]
# router-nat.ns:9  nat r1 masquerade 10.0.1.0/24 out eth1
-A nsgen-router-nat-post -s 10.0.1.0/24 ! -d 10.0.1.0/24 -o eth1 -m comment --comment "router-nat.ns:9" -j MASQUERADE
# router-nat.ns:10  forward r1 tcp 8080 -> 10.0.1.2:80 in eth1: connections arriving on eth1 (PREROUTING) and made by the namespace itself (OUTPUT)
-A nsgen-router-nat-pre -i eth1 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -m comment --comment "router-nat.ns:10" -j DNAT --to-destination 10.0.1.2:80
-A nsgen-router-nat-out -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -m comment --comment "router-nat.ns:10" -j DNAT --to-destination 10.0.1.2:80
# router-nat.ns:11  forward r1 udp 5353 -> 10.0.1.2:53: connections arriving (PREROUTING) and made by the namespace itself (OUTPUT)
-A nsgen-router-nat-pre -p udp -m addrtype --dst-type LOCAL -m udp --dport 5353 -m comment --comment "router-nat.ns:11" -j DNAT --to-destination 10.0.1.2:53
-A nsgen-router-nat-out -p udp -m addrtype --dst-type LOCAL -m udp --dport 5353 -m comment --comment "router-nat.ns:11" -j DNAT --to-destination 10.0.1.2:53
-A PREROUTING -j nsgen-router-nat-pre
-A OUTPUT -j nsgen-router-nat-out
-A POSTROUTING -j nsgen-router-nat-post
COMMIT
*filter
:nsgen-router-nat-fwd - [0:0]
# router-nat.ns:9  nat r1 masquerade 10.0.1.0/24 out eth1: the subnet's traffic out, and replies to it
-A nsgen-router-nat-fwd -s 10.0.1.0/24 -o eth1 -m comment --comment "router-nat.ns:9" -j ACCEPT
-A nsgen-router-nat-fwd -d 10.0.1.0/24 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "router-nat.ns:9" -j ACCEPT
# router-nat.ns:10  forward r1 tcp 8080 -> 10.0.1.2:80 in eth1: the forwarded connections in, and their replies
-A nsgen-router-nat-fwd -i eth1 -d 10.0.1.2/32 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT --ctorigdstport 8080 -m comment --comment "router-nat.ns:10" -j ACCEPT
-A nsgen-router-nat-fwd -o eth1 -s 10.0.1.2/32 -p tcp -m tcp --sport 80 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "router-nat.ns:10" -j ACCEPT
# router-nat.ns:11  forward r1 udp 5353 -> 10.0.1.2:53: the forwarded connections in, and their replies
-A nsgen-router-nat-fwd -d 10.0.1.2/32 -p udp -m udp --dport 53 -m conntrack --ctstate DNAT --ctorigdstport 5353 -m comment --comment "router-nat.ns:11" -j ACCEPT
-A nsgen-router-nat-fwd -s 10.0.1.2/32 -p udp -m udp --sport 53 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "router-nat.ns:11" -j ACCEPT
-I FORWARD -j nsgen-router-nat-fwd
COMMIT
RULES
# router-nat.ns:9  nat r1 masquerade 10.0.1.0/24 out eth1
ip netns exec r1 sysctl -qw net.ipv4.ip_forward=1
