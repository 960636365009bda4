#!/usr/bin/env bash
# Setup of nsgen lab 'router-filter6', compiled from router-filter6.ns (target nft, plain style).
# Creates namespaces lan, r1, dmz, edge; veth pairs veth-lan/inside, dmz/veth-dmz, wan/veth-edge;
# routes in lan, dmz, edge; rules in namespace r1 (2001:db8:9::10 -> fd00:2::2, redirect tcp 8080 ->
# 3128, forwarding denied, 2 flows allowed).
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain router-filter6.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/router-filter6 # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/router-filter6/source 2>/dev/null || echo router-filter6.ns)" != router-filter6.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/router-filter6/source >&2; exit 1; fi
echo router-filter6.ns >/run/nsgen/labs/router-filter6/source
# router-filter6.ns:4  ns lan
ip netns add lan; echo '+ netns lan' >>/run/nsgen/labs/router-filter6/record
ip -n lan link set dev lo up
# router-filter6.ns:5  ns r1
ip netns add r1; echo '+ netns r1' >>/run/nsgen/labs/router-filter6/record
ip -n r1 link set dev lo up
# router-filter6.ns:6  ns dmz
ip netns add dmz; echo '+ netns dmz' >>/run/nsgen/labs/router-filter6/record
ip -n dmz link set dev lo up
# router-filter6.ns:7  ns edge
ip netns add edge; echo '+ netns edge' >>/run/nsgen/labs/router-filter6/record
ip -n edge link set dev lo up
# router-filter6.ns:8  veth lan<->r1:inside ip 10.0.1.2/24, 10.0.1.1/24, fd00:1::2/64, fd00:1::1/64
ip -n lan link add name veth-lan type veth peer name inside netns r1
ip -n lan link set dev veth-lan addrgenmode none up
ip -n lan addr replace 10.0.1.2/24 dev veth-lan
ip -n lan addr replace fd00:1::2/64 dev veth-lan nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n lan addr replace fe80::2/64 dev veth-lan nodad
ip -n r1 link set dev inside addrgenmode none up
ip -n r1 addr replace 10.0.1.1/24 dev inside
ip -n r1 addr replace fd00:1::1/64 dev inside nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n r1 addr replace fe80::1/64 dev inside nodad
# router-filter6.ns:9  veth r1:dmz<->dmz ip 10.0.2.1/24, 10.0.2.2/24, fd00:2::1/64, fd00:2::2/64
ip -n r1 link add name dmz type veth peer name veth-dmz netns dmz
ip -n r1 link set dev dmz addrgenmode none up
ip -n r1 addr replace 10.0.2.1/24 dev dmz
ip -n r1 addr replace fd00:2::1/64 dev dmz nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n r1 addr replace fe80::1/64 dev dmz nodad
ip -n dmz link set dev veth-dmz addrgenmode none up
ip -n dmz addr replace 10.0.2.2/24 dev veth-dmz
ip -n dmz addr replace fd00:2::2/64 dev veth-dmz nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n dmz addr replace fe80::2/64 dev veth-dmz nodad
# router-filter6.ns:10  veth r1:wan<->edge ip 2001:db8:9::1/64, 2001:db8:9::2/64
ip -n r1 link add name wan type veth peer name veth-edge netns edge
ip -n r1 link set dev wan addrgenmode none up
ip -n r1 addr replace 2001:db8:9::1/64 dev wan nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n r1 addr replace fe80::1/64 dev wan nodad
ip -n edge link set dev veth-edge addrgenmode none up
ip -n edge addr replace 2001:db8:9::2/64 dev veth-edge nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n edge addr replace fe80::2/64 dev veth-edge nodad
# router-filter6.ns:11  address r1:wan 2001:db8:9::10/64
ip -n r1 addr replace 2001:db8:9::10/64 dev wan nodad
# router-filter6.ns:12  route lan default via 10.0.1.1
ip -n lan route add default via 10.0.1.1
# router-filter6.ns:13  route lan default via fd00:1::1
ip -n lan route add default via fd00:1::1
# router-filter6.ns:14  route dmz default via 10.0.2.1
ip -n dmz route add default via 10.0.2.1
# router-filter6.ns:15  route dmz default via fd00:2::1
ip -n dmz route add default via fd00:2::1
# router-filter6.ns:16  route edge fd00::/16 via 2001:db8:9::1
ip -n edge route add fd00::/16 via 2001:db8:9::1
ip netns exec r1 nft -f - <<'RULES'
table ip nsgen-router-filter6
delete table ip nsgen-router-filter6
table inet nsgen-router-filter6
delete table inet nsgen-router-filter6
table inet nsgen-router-filter6 {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		# router-filter6.ns:20  forward r1 2001:db8:9::10 -> fd00:2::2 in wan: every connection to 2001:db8:9::10 (all protocols)
		iifname "wan" ip6 daddr 2001:db8:9::10 dnat ip6 to fd00:2::2 comment "router-filter6.ns:20"
		# router-filter6.ns:21  redirect r1 tcp 8080 -> 3128 in inside: arriving on inside, whatever the destination, to the namespace's own port 3128
		iifname "inside" tcp dport 8080 redirect to :3128 comment "router-filter6.ns:21"
	}

	chain output {
		type nat hook output priority -100; policy accept;
		# router-filter6.ns:20  forward r1 2001:db8:9::10 -> fd00:2::2 in wan: from the namespace itself
		ip6 daddr 2001:db8:9::10 dnat ip6 to fd00:2::2 comment "router-filter6.ns:20"
		# router-filter6.ns:21  redirect r1 tcp 8080 -> 3128 in inside: the namespace's own connections to its addresses
		fib daddr type local tcp dport 8080 redirect to :3128 comment "router-filter6.ns:21"
	}

	chain forward {
		type filter hook forward priority filter; policy accept;
		# router-filter6.ns:20  forward r1 2001:db8:9::10 -> fd00:2::2 in wan: the forwarded connections in, and their replies
		iifname "wan" ip6 daddr fd00:2::2 ct status dnat ct original ip6 daddr 2001:db8:9::10 accept comment "router-filter6.ns:20"
		oifname "wan" ip6 saddr fd00:2::2 ct state established,related accept comment "router-filter6.ns:20"
		# router-filter6.ns:17  router r1 deny: no new connections forwarded but those allowed; replies always
		ct state established,related accept comment "router-filter6.ns:17"
		# router-filter6.ns:18  allow lan -> dmz via r1 tcp 80
		ip saddr 10.0.1.2/32 ip daddr 10.0.2.2/32 tcp dport 80 accept comment "router-filter6.ns:18"
		ip6 saddr fd00:1::2/128 ip6 daddr fd00:2::2/128 tcp dport 80 accept comment "router-filter6.ns:18"
		# router-filter6.ns:19  allow fd00:1::/64 -> fd00:2::/64 via r1 udp 53
		ip6 saddr fd00:1::/64 ip6 daddr fd00:2::/64 udp dport 53 accept comment "router-filter6.ns:19"
		drop comment "router-filter6.ns:17"
	}
}
RULES
# router-filter6.ns:17  router r1 deny
ip netns exec r1 sysctl -qw net.ipv4.ip_forward=1
ip netns exec r1 sysctl -qw net.ipv6.conf.all.forwarding=1
