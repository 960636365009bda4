#!/usr/bin/env bash
# Setup of nsgen lab 'isolate', compiled from isolate.ns (target nft, plain style).
# Creates namespaces red, blue, green; bridge br0; veth pairs veth-red-br/veth-red,
# veth-blue-br/veth-blue, veth-green-br/veth-green; route in blue; nft table inet nsgen-isolate; rules
# in namespace blue (isolated, 4 allows); net.ipv4.ip_forward=1.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain isolate.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/isolate /run/nsgen/host/net.ipv4.ip_forward # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/isolate/source 2>/dev/null || echo isolate.ns)" != isolate.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/isolate/source >&2; exit 1; fi
echo isolate.ns >/run/nsgen/labs/isolate/source
# isolate.ns:3  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/isolate/record
ip -n red link set dev lo up
# isolate.ns:4  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/isolate/record
ip -n blue link set dev lo up
# isolate.ns:5  ns green
ip netns add green; echo '+ netns green' >>/run/nsgen/labs/isolate/record
ip -n green link set dev lo up
# isolate.ns:6  bridge br0 ip 10.0.0.254/24
ip link add name br0 up type bridge
ip link set dev br0 alias nsgen:isolate # nsgen's teardown deletes only links with this mark
ip addr replace 10.0.0.254/24 dev br0
# isolate.ns:7  veth red<->br0 ip 10.0.0.1/24
ip link add name veth-red-br master br0 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:isolate # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 10.0.0.1/24 dev veth-red
# isolate.ns:8  veth blue<->br0 ip 10.0.0.2/24
ip link add name veth-blue-br master br0 up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:isolate # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue addrgenmode none up
ip -n blue addr replace 10.0.0.2/24 dev veth-blue
# isolate.ns:9  veth green<->br0 ip 10.0.0.3/24
ip link add name veth-green-br master br0 up type veth peer name veth-green netns green
ip link set dev veth-green-br alias nsgen:isolate # nsgen's teardown deletes only links with this mark
ip -n green link set dev veth-green addrgenmode none up
ip -n green addr replace 10.0.0.3/24 dev veth-green
# isolate.ns:10  route blue default via 10.0.0.254
ip -n blue route add default via 10.0.0.254
# firewall: nft table inet nsgen-isolate; first, accept what crosses the lab's bridges (the forward hook sees it when br_netfilter is on)
nft -f - <<'RULES'
add table inet nsgen-isolate
add chain inet nsgen-isolate prerouting { type nat hook prerouting priority dstnat; policy accept; }
add chain inet nsgen-isolate output { type nat hook output priority -100; policy accept; }
add chain inet nsgen-isolate hairpin { type nat hook postrouting priority srcnat; policy accept; }
add chain inet nsgen-isolate forward { type filter hook forward priority filter; policy accept; }
add rule inet nsgen-isolate forward iifname "br0" oifname "br0" accept comment "isolate.ns:6"
# isolate.ns:16  forward tcp 8080 -> 10.0.0.2:8080: from the host itself too, and from 10.0.0.0/24 (hairpin, masqueraded); accept the connections in, and the replies
add rule inet nsgen-isolate prerouting fib daddr type local tcp dport 8080 dnat ip to 10.0.0.2:8080 comment "isolate.ns:16"
add rule inet nsgen-isolate output ip daddr != 127.0.0.0/8 fib daddr type local tcp dport 8080 dnat ip to 10.0.0.2:8080 comment "isolate.ns:16"
add rule inet nsgen-isolate hairpin ip saddr 10.0.0.0/24 ip daddr 10.0.0.2 tcp dport 8080 ct status dnat masquerade comment "isolate.ns:16"
add rule inet nsgen-isolate forward ip daddr 10.0.0.2 tcp dport 8080 accept comment "isolate.ns:16"
add rule inet nsgen-isolate forward ip saddr 10.0.0.2 tcp sport 8080 ct state established,related accept comment "isolate.ns:16"
RULES
# net.ipv4.ip_forward=1 (the host must route between the lab and its uplink for NAT to work; the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
echo 1 >/run/nsgen/host/net.ipv4.ip_forward/isolate
echo 1 >/proc/sys/net/ipv4/ip_forward
ip netns exec blue nft -f - <<'RULES'
table ip nsgen-isolate
delete table ip nsgen-isolate
table inet nsgen-isolate
delete table inet nsgen-isolate
table inet nsgen-isolate {
	chain forward {
		type filter hook forward priority filter; policy accept;
	}

	chain input {
		type filter hook input priority filter; policy accept;
		# isolate.ns:11  isolate blue: no new connections in but those allowed; lo and replies always (IPv4 only)
		iif lo accept comment "isolate.ns:11"
		ct state established,related accept comment "isolate.ns:11"
		# isolate.ns:12  allow red -> blue tcp 80
		ip saddr 10.0.0.1/32 tcp dport 80 accept comment "isolate.ns:12"
		# isolate.ns:13  allow host -> blue tcp 22
		ip saddr 10.0.0.254/32 tcp dport 22 accept comment "isolate.ns:13"
		# isolate.ns:14  allow 10.0.0.3 -> blue udp 53
		ip saddr 10.0.0.3/32 udp dport 53 accept comment "isolate.ns:14"
		# isolate.ns:15  allow outside -> blue tcp 8080
		ip saddr != { 10.0.0.0/24 } tcp dport 8080 accept comment "isolate.ns:15"
		meta nfproto ipv4 drop comment "isolate.ns:11"
	}
}
RULES
