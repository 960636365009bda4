#!/usr/bin/env bash
# Setup of nsgen lab 'isolate6', compiled from isolate6.ns (target nft, plain style).
# Creates namespaces red, blue, green, gold; bridge br0; veth pairs veth-red-br/veth-red,
# veth-blue-br/veth-blue, veth-green-br/veth-green, veth-gold-br/veth-gold; routes in blue; nft table
# inet nsgen-isolate6; rules in namespace blue (isolated, 4 allows); rules in namespace gold
# (isolated, 2 allows); net.ipv6.conf.all.forwarding=1.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain isolate6.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/isolate6 /run/nsgen/host/net.ipv6.conf.all.forwarding # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/isolate6/source 2>/dev/null || echo isolate6.ns)" != isolate6.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/isolate6/source >&2; exit 1; fi
echo isolate6.ns >/run/nsgen/labs/isolate6/source
# isolate6.ns:5  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/isolate6/record
ip -n red link set dev lo up
# isolate6.ns:6  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/isolate6/record
ip -n blue link set dev lo up
# isolate6.ns:7  ns green
ip netns add green; echo '+ netns green' >>/run/nsgen/labs/isolate6/record
ip -n green link set dev lo up
# isolate6.ns:8  ns gold
ip netns add gold; echo '+ netns gold' >>/run/nsgen/labs/isolate6/record
ip -n gold link set dev lo up
# isolate6.ns:9  bridge br0 ip 10.0.0.254/24, fd00:20::fe/64
ip link add name br0 up type bridge
ip link set dev br0 alias nsgen:isolate6 # nsgen's teardown deletes only links with this mark
ip addr replace 10.0.0.254/24 dev br0
ip addr replace fd00:20::fe/64 dev br0 nodad
# isolate6.ns:10  veth red<->br0 ip 10.0.0.1/24, fd00:20::1/64
ip link add name veth-red-br master br0 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:isolate6 # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 10.0.0.1/24 dev veth-red
ip -n red addr replace fd00:20::1/64 dev veth-red nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n red addr replace fe80::1/64 dev veth-red nodad
# isolate6.ns:11  veth blue<->br0 ip 10.0.0.2/24, fd00:20::2/64
ip link add name veth-blue-br master br0 up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:isolate6 # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue addrgenmode none up
ip -n blue addr replace 10.0.0.2/24 dev veth-blue
ip -n blue addr replace fd00:20::2/64 dev veth-blue nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n blue addr replace fe80::2/64 dev veth-blue nodad
# isolate6.ns:12  veth green<->br0 ip 10.0.0.3/24, fd00:20::3/64
ip link add name veth-green-br master br0 up type veth peer name veth-green netns green
ip link set dev veth-green-br alias nsgen:isolate6 # nsgen's teardown deletes only links with this mark
ip -n green link set dev veth-green addrgenmode none up
ip -n green addr replace 10.0.0.3/24 dev veth-green
ip -n green addr replace fd00:20::3/64 dev veth-green nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n green addr replace fe80::3/64 dev veth-green nodad
# isolate6.ns:13  veth gold<->br0 ip fd00:20::4/64
ip link add name veth-gold-br master br0 up type veth peer name veth-gold netns gold
ip link set dev veth-gold-br alias nsgen:isolate6 # nsgen's teardown deletes only links with this mark
ip -n gold link set dev veth-gold addrgenmode none up
ip -n gold addr replace fd00:20::4/64 dev veth-gold nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n gold addr replace fe80::4/64 dev veth-gold nodad
# isolate6.ns:14  route blue default via 10.0.0.254
ip -n blue route add default via 10.0.0.254
# isolate6.ns:15  route blue default via fd00:20::fe
ip -n blue route add default via fd00:20::fe
# firewall: nft table inet nsgen-isolate6; first, accept what crosses the lab's bridges (the forward hook sees it when br_netfilter is on)
nft -f - <<'RULES'
add table inet nsgen-isolate6
add chain inet nsgen-isolate6 prerouting { type nat hook prerouting priority dstnat; policy accept; }
add chain inet nsgen-isolate6 output { type nat hook output priority -100; policy accept; }
add chain inet nsgen-isolate6 hairpin { type nat hook postrouting priority srcnat; policy accept; }
add chain inet nsgen-isolate6 forward { type filter hook forward priority filter; policy accept; }
add rule inet nsgen-isolate6 forward iifname "br0" oifname "br0" accept comment "isolate6.ns:9"
# isolate6.ns:21  forward tcp 8080 -> [fd00:20::2]:8080: from the host itself too, and from fd00:20::/64 (hairpin, masqueraded); accept the connections in, and the replies
add rule inet nsgen-isolate6 prerouting fib daddr type local tcp dport 8080 dnat ip6 to [fd00:20::2]:8080 comment "isolate6.ns:21"
add rule inet nsgen-isolate6 output ip6 daddr != ::1 fib daddr type local tcp dport 8080 dnat ip6 to [fd00:20::2]:8080 comment "isolate6.ns:21"
add rule inet nsgen-isolate6 hairpin ip6 saddr fd00:20::/64 ip6 daddr fd00:20::2 tcp dport 8080 ct status dnat masquerade comment "isolate6.ns:21"
add rule inet nsgen-isolate6 forward ip6 daddr fd00:20::2 tcp dport 8080 accept comment "isolate6.ns:21"
add rule inet nsgen-isolate6 forward ip6 saddr fd00:20::2 tcp sport 8080 ct state established,related accept comment "isolate6.ns:21"
RULES
# net.ipv6.conf.all.forwarding=1 (the host must route between the lab and its uplink for NAT to work (IPv6: the host then ignores router advertisements unless accept_ra is 2); the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv6.conf.all.forwarding/value ] || { cat /proc/sys/net/ipv6/conf/all/forwarding >/run/nsgen/host/net.ipv6.conf.all.forwarding/value.new && mv /run/nsgen/host/net.ipv6.conf.all.forwarding/value.new /run/nsgen/host/net.ipv6.conf.all.forwarding/value; }
echo 1 >/run/nsgen/host/net.ipv6.conf.all.forwarding/isolate6
echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
ip netns exec blue nft -f - <<'RULES'
table ip nsgen-isolate6
delete table ip nsgen-isolate6
table inet nsgen-isolate6
delete table inet nsgen-isolate6
table inet nsgen-isolate6 {
	chain forward {
		type filter hook forward priority filter; policy accept;
	}

	chain input {
		type filter hook input priority filter; policy accept;
		# isolate6.ns:16  isolate blue: no new connections in but those allowed; lo and replies always
		iif lo accept comment "isolate6.ns:16"
		ct state established,related accept comment "isolate6.ns:16"
		# isolate6.ns:16  isolate blue: neighbour discovery (router and neighbour solicitations and advertisements), without which IPv6 stops
		icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept comment "isolate6.ns:16"
		# isolate6.ns:17  allow red -> blue tcp 80
		ip saddr 10.0.0.1/32 tcp dport 80 accept comment "isolate6.ns:17"
		ip6 saddr fd00:20::1/128 tcp dport 80 accept comment "isolate6.ns:17"
		# isolate6.ns:18  allow host -> blue tcp 22
		ip saddr 10.0.0.254/32 tcp dport 22 accept comment "isolate6.ns:18"
		ip6 saddr fd00:20::fe/128 tcp dport 22 accept comment "isolate6.ns:18"
		# isolate6.ns:19  allow fd00:20::3 -> blue udp 53
		ip6 saddr fd00:20::3/128 udp dport 53 accept comment "isolate6.ns:19"
		# isolate6.ns:20  allow outside -> blue tcp 8080
		ip saddr != { 10.0.0.0/24 } tcp dport 8080 accept comment "isolate6.ns:20"
		ip6 saddr != { fd00:20::/64 } tcp dport 8080 accept comment "isolate6.ns:20"
		drop comment "isolate6.ns:16"
	}
}
RULES
ip netns exec gold nft -f - <<'RULES'
table ip nsgen-isolate6
delete table ip nsgen-isolate6
table inet nsgen-isolate6
delete table inet nsgen-isolate6
table inet nsgen-isolate6 {
	chain forward {
		type filter hook forward priority filter; policy accept;
	}

	chain input {
		type filter hook input priority filter; policy accept;
		# isolate6.ns:22  isolate gold: no new connections in but those allowed; lo and replies always (IPv6 only)
		iif lo accept comment "isolate6.ns:22"
		ct state established,related accept comment "isolate6.ns:22"
		# isolate6.ns:22  isolate gold: neighbour discovery (router and neighbour solicitations and advertisements), without which IPv6 stops
		icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept comment "isolate6.ns:22"
		# isolate6.ns:23  allow fd00:20::/64 -> gold tcp 443
		ip6 saddr fd00:20::/64 tcp dport 443 accept comment "isolate6.ns:23"
		# isolate6.ns:24  allow red -> gold tcp 80
		ip6 saddr fd00:20::1/128 tcp dport 80 accept comment "isolate6.ns:24"
		meta nfproto ipv6 drop comment "isolate6.ns:22"
	}
}
RULES
