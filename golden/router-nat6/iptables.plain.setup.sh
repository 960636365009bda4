#!/usr/bin/env bash
# Setup of nsgen lab 'router-nat6', compiled from router-nat6.ns (target iptables, plain style).
# Creates namespaces red, r1, edge; veth pairs veth-red/veth-r1, eth1/veth-edge; routes in red; rules
# in namespace r1 (masquerade 10.0.1.0/24, masquerade fd00:11::/64, tcp 8080 -> 10.0.1.2:80, tcp 8080
# -> [fd00:11::2]:80, udp 5353 -> [fd00:11::2]:53).
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain router-nat6.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/router-nat6 # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/router-nat6/source 2>/dev/null || echo router-nat6.ns)" != router-nat6.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/router-nat6/source >&2; exit 1; fi
echo router-nat6.ns >/run/nsgen/labs/router-nat6/source
# router-nat6.ns:4  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/router-nat6/record
ip -n red link set dev lo up
# router-nat6.ns:5  ns r1
ip netns add r1; echo '+ netns r1' >>/run/nsgen/labs/router-nat6/record
ip -n r1 link set dev lo up
# router-nat6.ns:6  ns edge
ip netns add edge; echo '+ netns edge' >>/run/nsgen/labs/router-nat6/record
ip -n edge link set dev lo up
# router-nat6.ns:7  veth red<->r1 ip 10.0.1.2/24, 10.0.1.1/24, fd00:11::2/64, fd00:11::1/64
ip -n red link add name veth-red type veth peer name veth-r1 netns r1
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 10.0.1.2/24 dev veth-red
ip -n red addr replace fd00:11::2/64 dev veth-red nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n red addr replace fe80::2/64 dev veth-red nodad
ip -n r1 link set dev veth-r1 addrgenmode none up
ip -n r1 addr replace 10.0.1.1/24 dev veth-r1
ip -n r1 addr replace fd00:11::1/64 dev veth-r1 nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n r1 addr replace fe80::1/64 dev veth-r1 nodad
# router-nat6.ns:8  veth r1:eth1<->edge ip 10.0.2.1/24, 10.0.2.2/24, fd00:12::1/64, fd00:12::2/64
ip -n r1 link add name eth1 type veth peer name veth-edge netns edge
ip -n r1 link set dev eth1 addrgenmode none up
ip -n r1 addr replace 10.0.2.1/24 dev eth1
ip -n r1 addr replace fd00:12::1/64 dev eth1 nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n r1 addr replace fe80::1/64 dev eth1 nodad
ip -n edge link set dev veth-edge addrgenmode none up
ip -n edge addr replace 10.0.2.2/24 dev veth-edge
ip -n edge addr replace fd00:12::2/64 dev veth-edge nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n edge addr replace fe80::2/64 dev veth-edge nodad
# router-nat6.ns:9  route red default via 10.0.1.1
ip -n red route add default via 10.0.1.1
# router-nat6.ns:10  route red default via fd00:11::1
ip -n red route add default via fd00:11::1
ip netns exec r1 iptables-restore --noflush <<'RULES'
*nat
:nsgen-router-nat6-pre - [0:0]
:nsgen-router-nat6-out - [0:0]
:nsgen-router-nat6-post - [0:0]
# router-nat6.ns:12  nat r1 masquerade 10.0.1.0/24 out eth1
-A nsgen-router-nat6-post -s 10.0.1.0/24 ! -d 10.0.1.0/24 -o eth1 -m comment --comment "router-nat6.ns:12" -j MASQUERADE
# router-nat6.ns:14  forward r1 tcp 8080 -> 10.0.1.2:80 in eth1: connections arriving on eth1 (PREROUTING) and made by the namespace itself (OUTPUT)
-A nsgen-router-nat6-pre -i eth1 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -m comment --comment "router-nat6.ns:14" -j DNAT --to-destination 10.0.1.2:80
-A nsgen-router-nat6-out -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -m comment --comment "router-nat6.ns:14" -j DNAT --to-destination 10.0.1.2:80
-A PREROUTING -j nsgen-router-nat6-pre
-A OUTPUT -j nsgen-router-nat6-out
-A POSTROUTING -j nsgen-router-nat6-post
COMMIT
*filter
:nsgen-router-nat6-fwd - [0:0]
# router-nat6.ns:12  nat r1 masquerade 10.0.1.0/24 out eth1: the subnet's traffic out, and replies to it
-A nsgen-router-nat6-fwd -s 10.0.1.0/24 -o eth1 -m comment --comment "router-nat6.ns:12" -j ACCEPT
-A nsgen-router-nat6-fwd -d 10.0.1.0/24 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "router-nat6.ns:12" -j ACCEPT
# router-nat6.ns:14  forward r1 tcp 8080 -> 10.0.1.2:80 in eth1: the forwarded connections in, and their replies
-A nsgen-router-nat6-fwd -i eth1 -d 10.0.1.2/32 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT --ctorigdstport 8080 -m comment --comment "router-nat6.ns:14" -j ACCEPT
-A nsgen-router-nat6-fwd -o eth1 -s 10.0.1.2/32 -p tcp -m tcp --sport 80 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "router-nat6.ns:14" -j ACCEPT
-I FORWARD -j nsgen-router-nat6-fwd
COMMIT
RULES
ip netns exec r1 ip6tables-restore --noflush <<'RULES'
*nat
:nsgen-router-nat6-pre - [0:0]
:nsgen-router-nat6-out - [0:0]
:nsgen-router-nat6-post - [0:0]
# router-nat6.ns:13  nat r1 masquerade fd00:11::/64 out eth1
-A nsgen-router-nat6-post -s fd00:11::/64 ! -d fd00:11::/64 -o eth1 -m comment --comment "router-nat6.ns:13" -j MASQUERADE
# router-nat6.ns:15  forward r1 tcp 8080 -> [fd00:11::2]:80 in eth1: connections arriving on eth1 (PREROUTING) and made by the namespace itself (OUTPUT)
-A nsgen-router-nat6-pre -i eth1 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -m comment --comment "router-nat6.ns:15" -j DNAT --to-destination [fd00:11::2]:80
-A nsgen-router-nat6-out -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -m comment --comment "router-nat6.ns:15" -j DNAT --to-destination [fd00:11::2]:80
# router-nat6.ns:16  forward r1 udp 5353 -> [fd00:11::2]:53: connections arriving (PREROUTING) and made by the namespace itself (OUTPUT)
-A nsgen-router-nat6-pre -p udp -m addrtype --dst-type LOCAL -m udp --dport 5353 -m comment --comment "router-nat6.ns:16" -j DNAT --to-destination [fd00:11::2]:53
-A nsgen-router-nat6-out -p udp -m addrtype --dst-type LOCAL -m udp --dport 5353 -m comment --comment "router-nat6.ns:16" -j DNAT --to-destination [fd00:11::2]:53
-A PREROUTING -j nsgen-router-nat6-pre
-A OUTPUT -j nsgen-router-nat6-out
-A POSTROUTING -j nsgen-router-nat6-post
COMMIT
*filter
:nsgen-router-nat6-fwd - [0:0]
# router-nat6.ns:13  nat r1 masquerade fd00:11::/64 out eth1: the subnet's traffic out, and replies to it
-A nsgen-router-nat6-fwd -s fd00:11::/64 -o eth1 -m comment --comment "router-nat6.ns:13" -j ACCEPT
-A nsgen-router-nat6-fwd -d fd00:11::/64 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "router-nat6.ns:13" -j ACCEPT
# router-nat6.ns:15  forward r1 tcp 8080 -> [fd00:11::2]:80 in eth1: the forwarded connections in, and their replies
-A nsgen-router-nat6-fwd -i eth1 -d fd00:11::2/128 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT --ctorigdstport 8080 -m comment --comment "router-nat6.ns:15" -j ACCEPT
-A nsgen-router-nat6-fwd -o eth1 -s fd00:11::2/128 -p tcp -m tcp --sport 80 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "router-nat6.ns:15" -j ACCEPT
# router-nat6.ns:16  forward r1 udp 5353 -> [fd00:11::2]:53: the forwarded connections in, and their replies
-A nsgen-router-nat6-fwd -d fd00:11::2/128 -p udp -m udp --dport 53 -m conntrack --ctstate DNAT --ctorigdstport 5353 -m comment --comment "router-nat6.ns:16" -j ACCEPT
-A nsgen-router-nat6-fwd -s fd00:11::2/128 -p udp -m udp --sport 53 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "router-nat6.ns:16" -j ACCEPT
-I FORWARD -j nsgen-router-nat6-fwd
COMMIT
RULES
# router-nat6.ns:11  router r1
ip netns exec r1 sysctl -qw net.ipv4.ip_forward=1
ip netns exec r1 sysctl -qw net.ipv6.conf.all.forwarding=1
