#!/usr/bin/env bash
# Setup of nsgen lab 'router-filter', compiled from router-filter.ns (target nft, plain style).
# Creates namespaces lan, r1, dmz, edge; veth pairs veth-lan/inside, dmz/veth-dmz, wan/veth-edge;
# routes in lan, dmz, edge; rules in namespace r1 (masquerade 10.0.1.0/24, tcp 2222 -> 10.0.2.2:22,
# 203.0.113.10 -> 10.0.2.2, redirect tcp 8080 -> 3128, forwarding denied, 1 flow allowed).
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain router-filter.ns
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
ip netns exec r1 nft -f - <<'RULES'
table ip nsgen-router-filter
delete table ip nsgen-router-filter
table inet nsgen-router-filter
delete table inet nsgen-router-filter
table inet nsgen-router-filter {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		# router-filter.ns:19  forward r1 203.0.113.10 -> 10.0.2.2 in wan: every connection to 203.0.113.10 (all protocols)
		iifname "wan" ip daddr 203.0.113.10 dnat ip to 10.0.2.2 comment "router-filter.ns:19"
		# router-filter.ns:20  forward r1 tcp 2222 -> 10.0.2.2:22 in wan
		iifname "wan" fib daddr type local tcp dport 2222 dnat ip to 10.0.2.2:22 comment "router-filter.ns:20"
		# router-filter.ns:21  redirect r1 tcp 8080 -> 3128 in inside: arriving on inside, whatever the destination, to the namespace's own port 3128
		iifname "inside" meta nfproto ipv4 tcp dport 8080 redirect to :3128 comment "router-filter.ns:21"
	}

	chain output {
		type nat hook output priority -100; policy accept;
		# router-filter.ns:19  forward r1 203.0.113.10 -> 10.0.2.2 in wan: from the namespace itself
		ip daddr 203.0.113.10 dnat ip to 10.0.2.2 comment "router-filter.ns:19"
		# router-filter.ns:20  forward r1 tcp 2222 -> 10.0.2.2:22 in wan: from the namespace itself
		fib daddr type local tcp dport 2222 dnat ip to 10.0.2.2:22 comment "router-filter.ns:20"
		# router-filter.ns:21  redirect r1 tcp 8080 -> 3128 in inside: the namespace's own connections to its addresses
		meta nfproto ipv4 fib daddr type local tcp dport 8080 redirect to :3128 comment "router-filter.ns:21"
	}

	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		# router-filter.ns:18  nat r1 masquerade 10.0.1.0/24 out wan
		ip saddr 10.0.1.0/24 ip daddr != 10.0.1.0/24 oifname "wan" masquerade comment "router-filter.ns:18"
	}

	chain forward {
		type filter hook forward priority filter; policy accept;
		# router-filter.ns:18  nat r1 masquerade 10.0.1.0/24 out wan: the subnet's traffic out, and replies to it
		ip saddr 10.0.1.0/24 oifname "wan" accept comment "router-filter.ns:18"
		ip daddr 10.0.1.0/24 ct state established,related accept comment "router-filter.ns:18"
		# router-filter.ns:20  forward r1 tcp 2222 -> 10.0.2.2:22 in wan: the forwarded connections in, and their replies
		iifname "wan" ip daddr 10.0.2.2 tcp dport 22 ct status dnat ct original proto-dst 2222 accept comment "router-filter.ns:20"
		oifname "wan" ip saddr 10.0.2.2 tcp sport 22 ct state established,related accept comment "router-filter.ns:20"
		# router-filter.ns:19  forward r1 203.0.113.10 -> 10.0.2.2 in wan: the forwarded connections in, and their replies
		iifname "wan" ip daddr 10.0.2.2 ct status dnat ct original ip daddr 203.0.113.10 accept comment "router-filter.ns:19"
		oifname "wan" ip saddr 10.0.2.2 ct state established,related accept comment "router-filter.ns:19"
		# router-filter.ns:16  router r1 deny: no new connections forwarded but those allowed; replies always (IPv4 only)
		ct state established,related accept comment "router-filter.ns:16"
		# router-filter.ns:17  allow lan -> dmz via r1 tcp 80
		ip saddr 10.0.1.2/32 ip daddr 10.0.2.2/32 tcp dport 80 accept comment "router-filter.ns:17"
		meta nfproto ipv4 drop comment "router-filter.ns:16"
	}
}
RULES
# router-filter.ns:16  router r1 deny
ip netns exec r1 sysctl -qw net.ipv4.ip_forward=1
