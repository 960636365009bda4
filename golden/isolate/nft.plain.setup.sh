#!/usr/bin/env bash
# Setup of nsgen lab 'isolate', compiled from isolate.ns (target nft, plain style).
# Creates namespaces red, blue, green; bridge br0; veth pairs veth-red-br/veth-red,
# veth-blue-br/veth-blue, veth-green-br/veth-green; route in blue to default; rules in nft table inet
# nsgen-isolate (accept across br0, tcp 8080 -> 10.0.0.2:8080); rules in namespace blue (isolated, 4
# allows); net.ipv4.ip_forward=1. Plain style: no checks or rollback; run it once, as root. Undo:
# nsgen down -t nft --style plain isolate.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/isolate # the lab's record: teardown deletes only the namespaces it lists
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
ip link add name br0 type bridge
ip link set dev br0 alias nsgen:isolate # nsgen's teardown deletes only links with this mark
ip link set dev br0 up
ip addr replace 10.0.0.254/24 dev br0
# isolate.ns:7  veth red<->br0 ip 10.0.0.1/24
ip link add name veth-red-br master br0 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:isolate # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none
ip -n red link set dev veth-red up
ip -n red addr replace 10.0.0.1/24 dev veth-red
# isolate.ns:8  veth blue<->br0 ip 10.0.0.2/24
ip link add name veth-blue-br master br0 up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:isolate # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue addrgenmode none
ip -n blue link set dev veth-blue up
ip -n blue addr replace 10.0.0.2/24 dev veth-blue
# isolate.ns:9  veth green<->br0 ip 10.0.0.3/24
ip link add name veth-green-br master br0 up type veth peer name veth-green netns green
ip link set dev veth-green-br alias nsgen:isolate # nsgen's teardown deletes only links with this mark
ip -n green link set dev veth-green addrgenmode none
ip -n green link set dev veth-green up
ip -n green addr replace 10.0.0.3/24 dev veth-green
# isolate.ns:10  route blue default via 10.0.0.254
ip -n blue route add default via 10.0.0.254
nft -f - <<'RULES'
table ip nsgen-isolate
delete table ip nsgen-isolate
table inet nsgen-isolate
delete table inet nsgen-isolate
table inet nsgen-isolate {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		# isolate.ns:16  forward tcp 8080 -> 10.0.0.2:8080
		fib daddr type local tcp dport 8080 dnat ip to 10.0.0.2:8080 comment "isolate.ns:16"
	}

	chain output {
		type nat hook output priority -100; policy accept;
		# isolate.ns:16  forward tcp 8080 -> 10.0.0.2:8080: from the host itself (not to 127.0.0.0/8)
		ip daddr != 127.0.0.0/8 fib daddr type local tcp dport 8080 dnat ip to 10.0.0.2:8080 comment "isolate.ns:16"
	}

	chain hairpin {
		type nat hook postrouting priority srcnat; policy accept;
		# isolate.ns:16  forward tcp 8080 -> 10.0.0.2:8080: from 10.0.0.0/24 through the host's address, masqueraded so the replies come back through the host
		ip saddr 10.0.0.0/24 ip daddr 10.0.0.2 tcp dport 8080 ct status dnat masquerade comment "isolate.ns:16"
	}

	chain forward {
		type filter hook forward priority filter; policy accept;
		# isolate.ns:6  bridge br0 ip 10.0.0.254/24: between the lab's namespaces across it (seen here when br_netfilter is on)
		iifname "br0" oifname "br0" accept comment "isolate.ns:6"
		# isolate.ns:16  forward tcp 8080 -> 10.0.0.2:8080: the forwarded connections in, and their replies
		ip daddr 10.0.0.2 tcp dport 8080 accept comment "isolate.ns:16"
		ip saddr 10.0.0.2 tcp sport 8080 ct state established,related accept comment "isolate.ns:16"
	}
}
RULES
# net.ipv4.ip_forward=1 (the host must route between the lab and its uplink for NAT to work; the value before is kept for teardown)
mkdir -p /run/nsgen/host/net.ipv4.ip_forward
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
