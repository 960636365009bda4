#!/usr/bin/env bash
# Setup of nsgen lab 'dualstack', compiled from dualstack.ns (target nft, plain style).
# Creates namespaces red, blue; bridge v-net-0; veth pairs veth-red-br/veth-red,
# veth-blue-br/veth-blue; routes in blue, red; nft table inet nsgen-dualstack; net.ipv4.ip_forward=1;
# net.ipv6.conf.all.forwarding=1.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain dualstack.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/dualstack /run/nsgen/host/net.ipv4.ip_forward /run/nsgen/host/net.ipv6.conf.all.forwarding # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/dualstack/source 2>/dev/null || echo dualstack.ns)" != dualstack.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/dualstack/source >&2; exit 1; fi
echo dualstack.ns >/run/nsgen/labs/dualstack/source
# dualstack.ns:9  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/dualstack/record
ip -n red link set dev lo up
# dualstack.ns:10  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/dualstack/record
ip -n blue link set dev lo up
# dualstack.ns:12  bridge v-net-0 ip 192.168.15.5/24, fd00:15::5/64
ip link add name v-net-0 up type bridge
ip link set dev v-net-0 alias nsgen:dualstack # nsgen's teardown deletes only links with this mark
ip addr replace 192.168.15.5/24 dev v-net-0
ip addr replace fd00:15::5/64 dev v-net-0 nodad
# dualstack.ns:13  veth red<->v-net-0 ip 192.168.15.1/24, fd00:15::1/64
ip link add name veth-red-br master v-net-0 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:dualstack # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 192.168.15.1/24 dev veth-red
ip -n red addr replace fd00:15::1/64 dev veth-red nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n red addr replace fe80::1/64 dev veth-red nodad
# dualstack.ns:14  veth blue<->v-net-0 ip 192.168.15.2/24, fd00:15::2/64
ip link add name veth-blue-br master v-net-0 up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:dualstack # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue addrgenmode none up
ip -n blue addr replace 192.168.15.2/24 dev veth-blue
ip -n blue addr replace fd00:15::2/64 dev veth-blue nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n blue addr replace fe80::2/64 dev veth-blue nodad
# dualstack.ns:16  route blue 192.168.1.0/24 via 192.168.15.5
ip -n blue route add 192.168.1.0/24 via 192.168.15.5
# dualstack.ns:17  route blue default via 192.168.15.5
ip -n blue route add default via 192.168.15.5
# dualstack.ns:18  route blue default via fd00:15::5
ip -n blue route add default via fd00:15::5
# dualstack.ns:19  route red default via 192.168.15.5
ip -n red route add default via 192.168.15.5
# dualstack.ns:20  route red default via fd00:15::5
ip -n red route add default via fd00:15::5
# firewall: nft table inet nsgen-dualstack; first, accept what crosses the lab's bridges (the forward hook sees it when br_netfilter is on)
nft -f - <<'RULES'
add table inet nsgen-dualstack
add chain inet nsgen-dualstack prerouting { type nat hook prerouting priority dstnat; policy accept; }
add chain inet nsgen-dualstack postrouting { type nat hook postrouting priority srcnat; policy accept; }
add chain inet nsgen-dualstack output { type nat hook output priority -100; policy accept; }
add chain inet nsgen-dualstack hairpin { type nat hook postrouting priority srcnat; policy accept; }
add chain inet nsgen-dualstack forward { type filter hook forward priority filter; policy accept; }
add rule inet nsgen-dualstack forward iifname "v-net-0" oifname "v-net-0" accept comment "dualstack.ns:12"
# dualstack.ns:22  nat masquerade 192.168.15.0/24: and accept the subnet's traffic out, and the replies
add rule inet nsgen-dualstack postrouting ip saddr 192.168.15.0/24 ip daddr != 192.168.15.0/24 masquerade comment "dualstack.ns:22"
add rule inet nsgen-dualstack forward ip saddr 192.168.15.0/24 accept comment "dualstack.ns:22"
add rule inet nsgen-dualstack forward ip daddr 192.168.15.0/24 ct state established,related accept comment "dualstack.ns:22"
# dualstack.ns:23  nat masquerade fd00:15::/64: and accept the subnet's traffic out, and the replies
add rule inet nsgen-dualstack postrouting ip6 saddr fd00:15::/64 ip6 daddr != fd00:15::/64 masquerade comment "dualstack.ns:23"
add rule inet nsgen-dualstack forward ip6 saddr fd00:15::/64 accept comment "dualstack.ns:23"
add rule inet nsgen-dualstack forward ip6 daddr fd00:15::/64 ct state established,related accept comment "dualstack.ns:23"
# dualstack.ns:24  forward tcp 80 -> 192.168.15.2:80: from the host itself too, and from 192.168.15.0/24 (hairpin, masqueraded); accept the connections in, and the replies
add rule inet nsgen-dualstack prerouting fib daddr type local tcp dport 80 dnat ip to 192.168.15.2:80 comment "dualstack.ns:24"
add rule inet nsgen-dualstack output ip daddr != 127.0.0.0/8 fib daddr type local tcp dport 80 dnat ip to 192.168.15.2:80 comment "dualstack.ns:24"
add rule inet nsgen-dualstack hairpin ip saddr 192.168.15.0/24 ip daddr 192.168.15.2 tcp dport 80 ct status dnat masquerade comment "dualstack.ns:24"
add rule inet nsgen-dualstack forward ip daddr 192.168.15.2 tcp dport 80 accept comment "dualstack.ns:24"
add rule inet nsgen-dualstack forward ip saddr 192.168.15.2 tcp sport 80 ct state established,related accept comment "dualstack.ns:24"
# dualstack.ns:25  forward tcp 80 -> [fd00:15::2]:80: from the host itself too, and from fd00:15::/64 (hairpin, masqueraded); accept the connections in, and the replies
add rule inet nsgen-dualstack prerouting fib daddr type local tcp dport 80 dnat ip6 to [fd00:15::2]:80 comment "dualstack.ns:25"
add rule inet nsgen-dualstack output ip6 daddr != ::1 fib daddr type local tcp dport 80 dnat ip6 to [fd00:15::2]:80 comment "dualstack.ns:25"
add rule inet nsgen-dualstack hairpin ip6 saddr fd00:15::/64 ip6 daddr fd00:15::2 tcp dport 80 ct status dnat masquerade comment "dualstack.ns:25"
add rule inet nsgen-dualstack forward ip6 daddr fd00:15::2 tcp dport 80 accept comment "dualstack.ns:25"
add rule inet nsgen-dualstack forward ip6 saddr fd00:15::2 tcp sport 80 ct state established,related accept comment "dualstack.ns:25"
RULES
# net.ipv4.ip_forward=1 (the host must route between the lab and its uplink for NAT to work; the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
echo 1 >/run/nsgen/host/net.ipv4.ip_forward/dualstack
echo 1 >/proc/sys/net/ipv4/ip_forward
[ -e /run/nsgen/host/net.ipv6.conf.all.forwarding/value ] || { cat /proc/sys/net/ipv6/conf/all/forwarding >/run/nsgen/host/net.ipv6.conf.all.forwarding/value.new && mv /run/nsgen/host/net.ipv6.conf.all.forwarding/value.new /run/nsgen/host/net.ipv6.conf.all.forwarding/value; }
echo 1 >/run/nsgen/host/net.ipv6.conf.all.forwarding/dualstack
echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
