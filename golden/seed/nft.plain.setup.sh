#!/usr/bin/env bash
# Setup of nsgen lab 'seed', compiled from seed.ns (target nft, plain style).
# Creates namespaces red, blue; bridge v-net-0; veth pairs veth-red-br/veth-red,
# veth-blue-br/veth-blue; routes in blue, red; nft table inet nsgen-seed; net.ipv4.ip_forward=1.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain seed.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/seed /run/nsgen/host/net.ipv4.ip_forward # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/seed/source 2>/dev/null || echo seed.ns)" != seed.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/seed/source >&2; exit 1; fi
echo seed.ns >/run/nsgen/labs/seed/source
# seed.ns:9  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/seed/record
ip -n red link set dev lo up
# seed.ns:10  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/seed/record
ip -n blue link set dev lo up
# seed.ns:12  bridge v-net-0 ip 192.168.15.5/24
ip link add name v-net-0 up type bridge
ip link set dev v-net-0 alias nsgen:seed # nsgen's teardown deletes only links with this mark
ip addr replace 192.168.15.5/24 dev v-net-0
# seed.ns:13  veth red<->v-net-0 ip 192.168.15.1/24
ip link add name veth-red-br master v-net-0 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:seed # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 192.168.15.1/24 dev veth-red
# seed.ns:14  veth blue<->v-net-0 ip 192.168.15.2/24
ip link add name veth-blue-br master v-net-0 up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:seed # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue addrgenmode none up
ip -n blue addr replace 192.168.15.2/24 dev veth-blue
# seed.ns:16  route blue 192.168.1.0/24 via 192.168.15.5
ip -n blue route add 192.168.1.0/24 via 192.168.15.5
# seed.ns:17  route blue default via 192.168.15.5
ip -n blue route add default via 192.168.15.5
# seed.ns:18  route red default via 192.168.15.5
ip -n red route add default via 192.168.15.5
# firewall: nft table inet nsgen-seed; first, accept what crosses the lab's bridges (the forward hook sees it when br_netfilter is on)
nft -f - <<'RULES'
add table inet nsgen-seed
add chain inet nsgen-seed prerouting { type nat hook prerouting priority dstnat; policy accept; }
add chain inet nsgen-seed postrouting { type nat hook postrouting priority srcnat; policy accept; }
add chain inet nsgen-seed output { type nat hook output priority -100; policy accept; }
add chain inet nsgen-seed hairpin { type nat hook postrouting priority srcnat; policy accept; }
add chain inet nsgen-seed forward { type filter hook forward priority filter; policy accept; }
add rule inet nsgen-seed forward iifname "v-net-0" oifname "v-net-0" accept comment "seed.ns:12"
# seed.ns:20  nat masquerade 192.168.15.0/24: and accept the subnet's traffic out, and the replies
add rule inet nsgen-seed postrouting ip saddr 192.168.15.0/24 ip daddr != 192.168.15.0/24 masquerade comment "seed.ns:20"
add rule inet nsgen-seed forward ip saddr 192.168.15.0/24 accept comment "seed.ns:20"
add rule inet nsgen-seed forward ip daddr 192.168.15.0/24 ct state established,related accept comment "seed.ns:20"
# seed.ns:21  forward tcp 80 -> 192.168.15.2:80: from the host itself too, and from 192.168.15.0/24 (hairpin, masqueraded); accept the connections in, and the replies
add rule inet nsgen-seed prerouting fib daddr type local tcp dport 80 dnat ip to 192.168.15.2:80 comment "seed.ns:21"
add rule inet nsgen-seed output ip daddr != 127.0.0.0/8 fib daddr type local tcp dport 80 dnat ip to 192.168.15.2:80 comment "seed.ns:21"
add rule inet nsgen-seed hairpin ip saddr 192.168.15.0/24 ip daddr 192.168.15.2 tcp dport 80 ct status dnat masquerade comment "seed.ns:21"
add rule inet nsgen-seed forward ip daddr 192.168.15.2 tcp dport 80 accept comment "seed.ns:21"
add rule inet nsgen-seed forward ip saddr 192.168.15.2 tcp sport 80 ct state established,related accept comment "seed.ns:21"
RULES
# net.ipv4.ip_forward=1 (the host must route between the lab and its uplink for NAT to work; the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
echo 1 >/run/nsgen/host/net.ipv4.ip_forward/seed
echo 1 >/proc/sys/net/ipv4/ip_forward
