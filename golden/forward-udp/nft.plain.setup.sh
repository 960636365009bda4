#!/usr/bin/env bash
# Setup of nsgen lab 'forward-udp', compiled from forward-udp.ns (target nft, plain style).
# Creates namespace dns; bridge br0; veth pair veth-dns-br/veth-dns; route in dns; nft table inet
# nsgen-forward-udp; net.ipv4.ip_forward=1.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain forward-udp.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/forward-udp /run/nsgen/host/net.ipv4.ip_forward # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/forward-udp/source 2>/dev/null || echo forward-udp.ns)" != forward-udp.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/forward-udp/source >&2; exit 1; fi
echo forward-udp.ns >/run/nsgen/labs/forward-udp/source
# forward-udp.ns:2  ns dns
ip netns add dns; echo '+ netns dns' >>/run/nsgen/labs/forward-udp/record
ip -n dns link set dev lo up
# forward-udp.ns:3  bridge br0 ip 172.21.0.1/24
ip link add name br0 up type bridge
ip link set dev br0 alias nsgen:forward-udp # nsgen's teardown deletes only links with this mark
ip addr replace 172.21.0.1/24 dev br0
# forward-udp.ns:4  veth dns<->br0 ip 172.21.0.53/24
ip link add name veth-dns-br master br0 up type veth peer name veth-dns netns dns
ip link set dev veth-dns-br alias nsgen:forward-udp # nsgen's teardown deletes only links with this mark
ip -n dns link set dev veth-dns addrgenmode none up
ip -n dns addr replace 172.21.0.53/24 dev veth-dns
# forward-udp.ns:5  route dns default via 172.21.0.1
ip -n dns route add default via 172.21.0.1
# firewall: nft table inet nsgen-forward-udp
nft -f - <<'RULES'
add table inet nsgen-forward-udp
add chain inet nsgen-forward-udp prerouting { type nat hook prerouting priority dstnat; policy accept; }
add chain inet nsgen-forward-udp forward { type filter hook forward priority filter; policy accept; }
# forward-udp.ns:6  forward udp 5353 -> 172.21.0.53:53 in eth0; accept the connections in, and the replies
add rule inet nsgen-forward-udp prerouting iifname "eth0" fib daddr type local udp dport 5353 dnat ip to 172.21.0.53:53 comment "forward-udp.ns:6"
add rule inet nsgen-forward-udp forward iifname "eth0" ip daddr 172.21.0.53 udp dport 53 accept comment "forward-udp.ns:6"
add rule inet nsgen-forward-udp forward oifname "eth0" ip saddr 172.21.0.53 udp sport 53 ct state established,related accept comment "forward-udp.ns:6"
RULES
# net.ipv4.ip_forward=1 (the host must route between the lab and its uplink for NAT to work; the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
echo 1 >/run/nsgen/host/net.ipv4.ip_forward/forward-udp
echo 1 >/proc/sys/net/ipv4/ip_forward
