#!/usr/bin/env bash
# Setup of nsgen lab 'forward-paths', compiled from forward-paths.ns (target nft, plain style).
# Creates namespaces red, blue, far; bridges br0, br1; veth pairs veth-red-br/veth-red,
# veth-blue-br/veth-blue, veth-far-br/veth-far; routes in blue, red, far; nft table inet
# nsgen-forward-paths; net.ipv4.ip_forward=1.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain forward-paths.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/forward-paths /run/nsgen/host/net.ipv4.ip_forward # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/forward-paths/source 2>/dev/null || echo forward-paths.ns)" != forward-paths.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/forward-paths/source >&2; exit 1; fi
echo forward-paths.ns >/run/nsgen/labs/forward-paths/source
# forward-paths.ns:4  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/forward-paths/record
ip -n red link set dev lo up
# forward-paths.ns:5  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/forward-paths/record
ip -n blue link set dev lo up
# forward-paths.ns:6  ns far
ip netns add far; echo '+ netns far' >>/run/nsgen/labs/forward-paths/record
ip -n far link set dev lo up
# forward-paths.ns:7  bridge br0 ip 10.0.0.254/24
ip link add name br0 up type bridge
ip link set dev br0 alias nsgen:forward-paths # nsgen's teardown deletes only links with this mark
ip addr replace 10.0.0.254/24 dev br0
# forward-paths.ns:8  bridge br1 ip 10.0.1.254/24
ip link add name br1 up type bridge
ip link set dev br1 alias nsgen:forward-paths # nsgen's teardown deletes only links with this mark
ip addr replace 10.0.1.254/24 dev br1
# forward-paths.ns:9  veth red<->br0 ip 10.0.0.1/24
ip link add name veth-red-br master br0 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:forward-paths # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 10.0.0.1/24 dev veth-red
# forward-paths.ns:10  veth blue<->br0 ip 10.0.0.2/24
ip link add name veth-blue-br master br0 up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:forward-paths # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue addrgenmode none up
ip -n blue addr replace 10.0.0.2/24 dev veth-blue
# forward-paths.ns:11  veth far<->br1 ip 10.0.1.1/24
ip link add name veth-far-br master br1 up type veth peer name veth-far netns far
ip link set dev veth-far-br alias nsgen:forward-paths # nsgen's teardown deletes only links with this mark
ip -n far link set dev veth-far addrgenmode none up
ip -n far addr replace 10.0.1.1/24 dev veth-far
# forward-paths.ns:12  route blue default via 10.0.0.254
ip -n blue route add default via 10.0.0.254
# forward-paths.ns:13  route red default via 10.0.0.254
ip -n red route add default via 10.0.0.254
# forward-paths.ns:14  route far default via 10.0.1.254
ip -n far route add default via 10.0.1.254
# firewall: nft table inet nsgen-forward-paths; first, accept what crosses the lab's bridges (the forward hook sees it when br_netfilter is on)
nft -f - <<'RULES'
add table inet nsgen-forward-paths
add chain inet nsgen-forward-paths prerouting { type nat hook prerouting priority dstnat; policy accept; }
add chain inet nsgen-forward-paths output { type nat hook output priority -100; policy accept; }
add chain inet nsgen-forward-paths hairpin { type nat hook postrouting priority srcnat; policy accept; }
add chain inet nsgen-forward-paths forward { type filter hook forward priority filter; policy accept; }
add rule inet nsgen-forward-paths forward iifname "br0" oifname "br0" accept comment "forward-paths.ns:7"
# forward-paths.ns:15  forward tcp 8080 -> 10.0.0.2:80: from the host itself too, and from 10.0.0.0/24 (hairpin, masqueraded); accept the connections in, and the replies
add rule inet nsgen-forward-paths prerouting fib daddr type local tcp dport 8080 dnat ip to 10.0.0.2:80 comment "forward-paths.ns:15"
add rule inet nsgen-forward-paths output ip daddr != 127.0.0.0/8 fib daddr type local tcp dport 8080 dnat ip to 10.0.0.2:80 comment "forward-paths.ns:15"
add rule inet nsgen-forward-paths hairpin ip saddr 10.0.0.0/24 ip daddr 10.0.0.2 tcp dport 80 ct status dnat masquerade comment "forward-paths.ns:15"
add rule inet nsgen-forward-paths forward ip daddr 10.0.0.2 tcp dport 80 accept comment "forward-paths.ns:15"
add rule inet nsgen-forward-paths forward ip saddr 10.0.0.2 tcp sport 80 ct state established,related accept comment "forward-paths.ns:15"
RULES
# net.ipv4.ip_forward=1 (the host must route between the lab and its uplink for NAT to work; the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
echo 1 >/run/nsgen/host/net.ipv4.ip_forward/forward-paths
echo 1 >/proc/sys/net/ipv4/ip_forward
