#!/usr/bin/env bash
# Setup of nsgen lab 'router-nat', compiled from router-nat.ns (target nft, plain style).
# Creates namespaces red, r1, edge; veth pairs veth-red/veth-r1, eth1/veth-edge; route in red; rules
# in namespace r1 (masquerade 10.0.1.0/24, tcp 8080 -> 10.0.1.2:80, udp 5353 -> 10.0.1.2:53).
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain router-nat.ns
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
ip netns exec r1 nft -f - <<'RULES'
table ip nsgen-router-nat
delete table ip nsgen-router-nat
table inet nsgen-router-nat
delete table inet nsgen-router-nat
table inet nsgen-router-nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		# router-nat.ns:10  forward r1 tcp 8080 -> 10.0.1.2:80 in eth1
		iifname "eth1" fib daddr type local tcp dport 8080 dnat ip to 10.0.1.2:80 comment "router-nat.ns:10"
		# router-nat.ns:11  forward r1 udp 5353 -> 10.0.1.2:53
		fib daddr type local udp dport 5353 dnat ip to 10.0.1.2:53 comment "router-nat.ns:11"
	}

	chain output {
		type nat hook output priority -100; policy accept;
		# router-nat.ns:10  forward r1 tcp 8080 -> 10.0.1.2:80 in eth1: from the namespace itself
		fib daddr type local tcp dport 8080 dnat ip to 10.0.1.2:80 comment "router-nat.ns:10"
		# router-nat.ns:11  forward r1 udp 5353 -> 10.0.1.2:53: from the namespace itself
		fib daddr type local udp dport 5353 dnat ip to 10.0.1.2:53 comment "router-nat.ns:11"
	}

	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		# router-nat.ns:9  nat r1 masquerade 10.0.1.0/24 out eth1
		ip saddr 10.0.1.0/24 ip daddr != 10.0.1.0/24 oifname "eth1" masquerade comment "router-nat.ns:9"
	}

	chain forward {
		type filter hook forward priority filter; policy accept;
		# router-nat.ns:9  nat r1 masquerade 10.0.1.0/24 out eth1: the subnet's traffic out, and replies to it
		ip saddr 10.0.1.0/24 oifname "eth1" accept comment "router-nat.ns:9"
		ip daddr 10.0.1.0/24 ct state established,related accept comment "router-nat.ns:9"
		# router-nat.ns:10  forward r1 tcp 8080 -> 10.0.1.2:80 in eth1: the forwarded connections in, and their replies
		iifname "eth1" ip daddr 10.0.1.2 tcp dport 80 ct status dnat ct original proto-dst 8080 accept comment "router-nat.ns:10"
		oifname "eth1" ip saddr 10.0.1.2 tcp sport 80 ct state established,related accept comment "router-nat.ns:10"
		# router-nat.ns:11  forward r1 udp 5353 -> 10.0.1.2:53: the forwarded connections in, and their replies
		ip daddr 10.0.1.2 udp dport 53 ct status dnat ct original proto-dst 5353 accept comment "router-nat.ns:11"
		ip saddr 10.0.1.2 udp sport 53 ct state established,related accept comment "router-nat.ns:11"
	}
}
RULES
# router-nat.ns:9  nat r1 masquerade 10.0.1.0/24 out eth1
ip netns exec r1 sysctl -qw net.ipv4.ip_forward=1
