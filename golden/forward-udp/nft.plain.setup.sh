#!/usr/bin/env bash
# Setup of nsgen lab 'forward-udp', compiled from forward-udp.ns (target nft, plain style).
# Creates namespace dns; bridge br0; veth pair veth-dns-br/veth-dns; route in dns to default; rules in
# nft table inet nsgen-forward-udp (udp 5353 -> 172.21.0.53:53); net.ipv4.ip_forward=1. Plain style:
# no checks or rollback; run it once, as root. Undo: nsgen down -t nft --style plain forward-udp.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/forward-udp # the lab's record: teardown deletes only the namespaces it lists
if [ "$(cat /run/nsgen/labs/forward-udp/source 2>/dev/null || echo forward-udp.ns)" != forward-udp.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/forward-udp/source >&2; exit 1; fi
echo forward-udp.ns >/run/nsgen/labs/forward-udp/source
# forward-udp.ns:2  ns dns
ip netns add dns; echo '+ netns dns' >>/run/nsgen/labs/forward-udp/record
ip -n dns link set dev lo up
# forward-udp.ns:3  bridge br0 ip 172.21.0.1/24
ip link add name br0 type bridge
ip link set dev br0 alias nsgen:forward-udp # nsgen's teardown deletes only links with this mark
ip link set dev br0 up
ip addr replace 172.21.0.1/24 dev br0
# forward-udp.ns:4  veth dns<->br0 ip 172.21.0.53/24
ip link add name veth-dns-br master br0 up type veth peer name veth-dns netns dns
ip link set dev veth-dns-br alias nsgen:forward-udp # nsgen's teardown deletes only links with this mark
ip -n dns link set dev veth-dns addrgenmode none
ip -n dns link set dev veth-dns up
ip -n dns addr replace 172.21.0.53/24 dev veth-dns
# forward-udp.ns:5  route dns default via 172.21.0.1
ip -n dns route add default via 172.21.0.1
nft -f - <<'RULES'
table ip nsgen-forward-udp
delete table ip nsgen-forward-udp
table inet nsgen-forward-udp
delete table inet nsgen-forward-udp
table inet nsgen-forward-udp {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		# forward-udp.ns:6  forward udp 5353 -> 172.21.0.53:53 in eth0
		iifname "eth0" fib daddr type local udp dport 5353 dnat ip to 172.21.0.53:53 comment "forward-udp.ns:6"
	}

	chain forward {
		type filter hook forward priority filter; policy accept;
		# forward-udp.ns:6  forward udp 5353 -> 172.21.0.53:53 in eth0: the forwarded connections in, and their replies
		iifname "eth0" ip daddr 172.21.0.53 udp dport 53 accept comment "forward-udp.ns:6"
		oifname "eth0" ip saddr 172.21.0.53 udp sport 53 ct state established,related accept comment "forward-udp.ns:6"
	}
}
RULES
# net.ipv4.ip_forward=1 (the host must route between the lab and its uplink for NAT to work; the value before is kept for teardown)
mkdir -p /run/nsgen/host/net.ipv4.ip_forward
[ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
echo 1 >/run/nsgen/host/net.ipv4.ip_forward/forward-udp
echo 1 >/proc/sys/net/ipv4/ip_forward
