#!/usr/bin/env bash
# Setup of nsgen lab 'router-filter', compiled from router-filter.ns (target iptables, plain style).
# Creates namespaces lan, r1, dmz, edge; veth pairs veth-lan/inside, dmz/veth-dmz, wan/veth-edge;
# routes in lan, dmz, edge; rules in namespace r1 (masquerade 10.0.1.0/24, tcp 2222 -> 10.0.2.2:22,
# 203.0.113.10 -> 10.0.2.2, redirect tcp 8080 -> 3128, forwarding denied, 1 flow allowed).
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain router-filter.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/router-filter # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/router-filter/source 2>/dev/null || echo router-filter.ns)" != router-filter.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/router-filter/source >&2; exit 1; fi
echo router-filter.ns >/run/nsgen/labs/router-filter/source
# router-filter.ns:5  ns lan
ip netns add lan; echo '+ netns lan' >>/run/nsgen/labs/router-filter/record
ip -n lan link set dev lo up
# router-filter.ns:6  ns r1
ip netns add r1; echo '+ netns r1' >>/run/nsgen/labs/router-filter/record
ip -n r1 link set dev lo up
# router-filter.ns:7  ns dmz
ip netns add dmz; echo '+ netns dmz' >>/run/nsgen/labs/router-filter/record
ip -n dmz link set dev lo up
# router-filter.ns:8  ns edge
ip netns add edge; echo '+ netns edge' >>/run/nsgen/labs/router-filter/record
ip -n edge link set dev lo up
# router-filter.ns:9  veth lan<->r1:inside ip 10.0.1.2/24, 10.0.1.1/24
ip -n lan link add name veth-lan type veth peer name inside netns r1
ip -n lan link set dev veth-lan addrgenmode none up
ip -n lan addr replace 10.0.1.2/24 dev veth-lan
ip -n r1 link set dev inside addrgenmode none up
ip -n r1 addr replace 10.0.1.1/24 dev inside
# router-filter.ns:10  veth r1:dmz<->dmz ip 10.0.2.1/24, 10.0.2.2/24
ip -n r1 link add name dmz type veth peer name veth-dmz netns dmz
ip -n r1 link set dev dmz addrgenmode none up
ip -n r1 addr replace 10.0.2.1/24 dev dmz
ip -n dmz link set dev veth-dmz addrgenmode none up
ip -n dmz addr replace 10.0.2.2/24 dev veth-dmz
# router-filter.ns:11  veth r1:wan<->edge ip 203.0.113.1/24, 203.0.113.2/24
ip -n r1 link add name wan type veth peer name veth-edge netns edge
ip -n r1 link set dev wan addrgenmode none up
ip -n r1 addr replace 203.0.113.1/24 dev wan
ip -n edge link set dev veth-edge addrgenmode none up
ip -n edge addr replace 203.0.113.2/24 dev veth-edge
# router-filter.ns:12  address r1:wan 203.0.113.10/24
ip -n r1 addr replace 203.0.113.10/24 dev wan
# router-filter.ns:13  route lan default via 10.0.1.1
ip -n lan route add default via 10.0.1.1
# router-filter.ns:14  route dmz default via 10.0.2.1
ip -n dmz route add default via 10.0.2.1
# router-filter.ns:15  route edge 10.0.0.0/16 via 203.0.113.1
ip -n edge route add 10.0.0.0/16 via 203.0.113.1
ip netns exec r1 iptables-restore --noflush <<'RULES'
*nat
:nsgen-router-filter-pre - [0:0]
:nsgen-router-filter-out - [0:0]
:nsgen-router-filter-post - [0:0]
# router-filter.ns:18  nat r1 masquerade 10.0.1.0/24 out wan
-A nsgen-router-filter-post -s 10.0.1.0/24 ! -d 10.0.1.0/24 -o wan -m comment --comment "router-filter.ns:18" -j MASQUERADE
# router-filter.ns:19  forward r1 203.0.113.10 -> 10.0.2.2 in wan: every connection to 203.0.113.10 (all protocols) arriving on wan (PREROUTING) and made by the namespace itself (OUTPUT)
-A nsgen-router-filter-pre -i wan -d 203.0.113.10/32 -m comment --comment "router-filter.ns:19" -j DNAT --to-destination 10.0.2.2
-A nsgen-router-filter-out -d 203.0.113.10/32 -m comment --comment "router-filter.ns:19" -j DNAT --to-destination 10.0.2.2
# router-filter.ns:20  forward r1 tcp 2222 -> 10.0.2.2:22 in wan: connections arriving on wan (PREROUTING) and made by the namespace itself (OUTPUT)
-A nsgen-router-filter-pre -i wan -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 2222 -m comment --comment "router-filter.ns:20" -j DNAT --to-destination 10.0.2.2:22
-A nsgen-router-filter-out -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 2222 -m comment --comment "router-filter.ns:20" -j DNAT --to-destination 10.0.2.2:22
# router-filter.ns:21  redirect r1 tcp 8080 -> 3128 in inside: connections to port 8080 arriving on inside, whatever their destination (PREROUTING), and the namespace's own to its addresses (OUTPUT), go to its own port 3128
-A nsgen-router-filter-pre -i inside -p tcp -m tcp --dport 8080 -m comment --comment "router-filter.ns:21" -j REDIRECT --to-ports 3128
-A nsgen-router-filter-out -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -m comment --comment "router-filter.ns:21" -j REDIRECT --to-ports 3128
-A PREROUTING -j nsgen-router-filter-pre
-A OUTPUT -j nsgen-router-filter-out
-A POSTROUTING -j nsgen-router-filter-post
COMMIT
*filter
:nsgen-router-filter-fwd - [0:0]
# router-filter.ns:18  nat r1 masquerade 10.0.1.0/24 out wan: the subnet's traffic out, and replies to it
-A nsgen-router-filter-fwd -s 10.0.1.0/24 -o wan -m comment --comment "router-filter.ns:18" -j ACCEPT
-A nsgen-router-filter-fwd -d 10.0.1.0/24 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "router-filter.ns:18" -j ACCEPT
# router-filter.ns:20  forward r1 tcp 2222 -> 10.0.2.2:22 in wan: the forwarded connections in, and their replies
-A nsgen-router-filter-fwd -i wan -d 10.0.2.2/32 -p tcp -m tcp --dport 22 -m conntrack --ctstate DNAT --ctorigdstport 2222 -m comment --comment "router-filter.ns:20" -j ACCEPT
-A nsgen-router-filter-fwd -o wan -s 10.0.2.2/32 -p tcp -m tcp --sport 22 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "router-filter.ns:20" -j ACCEPT
# router-filter.ns:19  forward r1 203.0.113.10 -> 10.0.2.2 in wan: the forwarded connections in, and their replies
-A nsgen-router-filter-fwd -i wan -d 10.0.2.2/32 -m conntrack --ctstate DNAT --ctorigdst 203.0.113.10/32 -m comment --comment "router-filter.ns:19" -j ACCEPT
-A nsgen-router-filter-fwd -o wan -s 10.0.2.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "router-filter.ns:19" -j ACCEPT
# router-filter.ns:16  router r1 deny: no new connections forwarded but those allowed; replies always
-A nsgen-router-filter-fwd -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "router-filter.ns:16" -j ACCEPT
# router-filter.ns:17  allow lan -> dmz via r1 tcp 80
-A nsgen-router-filter-fwd -s 10.0.1.2/32 -d 10.0.2.2/32 -p tcp -m tcp --dport 80 -m comment --comment "router-filter.ns:17" -j ACCEPT
-A nsgen-router-filter-fwd -m comment --comment "router-filter.ns:16" -j DROP
-I FORWARD -j nsgen-router-filter-fwd
COMMIT
RULES
# router-filter.ns:16  router r1 deny
ip netns exec r1 sysctl -qw net.ipv4.ip_forward=1
