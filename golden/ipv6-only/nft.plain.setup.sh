#!/usr/bin/env bash
# Setup of nsgen lab 'v6only', compiled from ipv6-only.ns (target nft, plain style).
# Creates namespaces a, r, b; bridge br6; veth pairs veth-a-br/veth-a, veth-r-br/veth-r, up/down;
# routes in a, r, b, the host; nft table inet nsgen-v6only; net.ipv6.conf.all.forwarding=1.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain ipv6-only.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/v6only /run/nsgen/host/net.ipv6.conf.all.forwarding # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/v6only/source 2>/dev/null || echo ipv6-only.ns)" != ipv6-only.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/v6only/source >&2; exit 1; fi
echo ipv6-only.ns >/run/nsgen/labs/v6only/source
# ipv6-only.ns:6  ns a
ip netns add a; echo '+ netns a' >>/run/nsgen/labs/v6only/record
ip -n a link set dev lo up
# ipv6-only.ns:7  ns r
ip netns add r; echo '+ netns r' >>/run/nsgen/labs/v6only/record
ip -n r link set dev lo up
# ipv6-only.ns:8  ns b
ip netns add b; echo '+ netns b' >>/run/nsgen/labs/v6only/record
ip -n b link set dev lo up
# ipv6-only.ns:10  bridge br6 ip fd00:6::1/64
ip link add name br6 up type bridge
ip link set dev br6 alias nsgen:v6only # nsgen's teardown deletes only links with this mark
ip addr replace fd00:6::1/64 dev br6 nodad
# ipv6-only.ns:11  veth a<->br6 ip fd00:6::2/64
ip link add name veth-a-br master br6 up type veth peer name veth-a netns a
ip link set dev veth-a-br alias nsgen:v6only # nsgen's teardown deletes only links with this mark
ip -n a link set dev veth-a addrgenmode none up
ip -n a addr replace fd00:6::2/64 dev veth-a nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n a addr replace fe80::2/64 dev veth-a nodad
# ipv6-only.ns:12  veth r<->br6 ip fd00:6::3
ip link add name veth-r-br master br6 up type veth peer name veth-r netns r
ip link set dev veth-r-br alias nsgen:v6only # nsgen's teardown deletes only links with this mark
ip -n r link set dev veth-r addrgenmode none up
ip -n r addr replace fd00:6::3/64 dev veth-r nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n r addr replace fe80::3/64 dev veth-r nodad
# ipv6-only.ns:13  veth r:up<->b:down ip fd00:7::1/64, fd00:7::2/64
ip -n r link add name up type veth peer name down netns b
ip -n r link set dev up addrgenmode none up
ip -n r addr replace fd00:7::1/64 dev up nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n r addr replace fe80::1/64 dev up nodad
ip -n b link set dev down addrgenmode none up
ip -n b addr replace fd00:7::2/64 dev down nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n b addr replace fe80::2/64 dev down nodad
# ipv6-only.ns:14  address r:lo fd00:ff::1/128
ip -n r addr replace fd00:ff::1/128 dev lo nodad
# ipv6-only.ns:17  route a default via fd00:6::1
ip -n a route add default via fd00:6::1
# ipv6-only.ns:18  route a fd00:7::/64 via fd00:6::3
ip -n a route add fd00:7::/64 via fd00:6::3
# ipv6-only.ns:19  route r default via fd00:6::1
ip -n r route add default via fd00:6::1
# ipv6-only.ns:20  route b default via fd00:7::1
ip -n b route add default via fd00:7::1
# ipv6-only.ns:21  route host fd00:7::/64 via fd00:6::3
ip route add fd00:7::/64 via fd00:6::3
# firewall: nft table inet nsgen-v6only; first, accept what crosses the lab's bridges (the forward hook sees it when br_netfilter is on)
nft -f - <<'RULES'
add table inet nsgen-v6only
add chain inet nsgen-v6only prerouting { type nat hook prerouting priority dstnat; policy accept; }
add chain inet nsgen-v6only postrouting { type nat hook postrouting priority srcnat; policy accept; }
add chain inet nsgen-v6only output { type nat hook output priority -100; policy accept; }
add chain inet nsgen-v6only hairpin { type nat hook postrouting priority srcnat; policy accept; }
add chain inet nsgen-v6only forward { type filter hook forward priority filter; policy accept; }
add rule inet nsgen-v6only forward iifname "br6" oifname "br6" accept comment "ipv6-only.ns:10"
# ipv6-only.ns:23  nat masquerade fd00:6::/64: and accept the subnet's traffic out, and the replies
add rule inet nsgen-v6only postrouting ip6 saddr fd00:6::/64 ip6 daddr != fd00:6::/64 masquerade comment "ipv6-only.ns:23"
add rule inet nsgen-v6only forward ip6 saddr fd00:6::/64 accept comment "ipv6-only.ns:23"
add rule inet nsgen-v6only forward ip6 daddr fd00:6::/64 ct state established,related accept comment "ipv6-only.ns:23"
# ipv6-only.ns:24  forward tcp 8080 -> [fd00:7::2]:80: from the host itself too, and from fd00:7::/64 (hairpin, masqueraded); accept the connections in, and the replies
add rule inet nsgen-v6only prerouting fib daddr type local tcp dport 8080 dnat ip6 to [fd00:7::2]:80 comment "ipv6-only.ns:24"
add rule inet nsgen-v6only output ip6 daddr != ::1 fib daddr type local tcp dport 8080 dnat ip6 to [fd00:7::2]:80 comment "ipv6-only.ns:24"
add rule inet nsgen-v6only hairpin ip6 saddr fd00:7::/64 ip6 daddr fd00:7::2 tcp dport 80 ct status dnat masquerade comment "ipv6-only.ns:24"
add rule inet nsgen-v6only forward ip6 daddr fd00:7::2 tcp dport 80 accept comment "ipv6-only.ns:24"
add rule inet nsgen-v6only forward ip6 saddr fd00:7::2 tcp sport 80 ct state established,related accept comment "ipv6-only.ns:24"
RULES
# net.ipv6.conf.all.forwarding=1 (the host must route between the lab and its uplink for NAT to work (IPv6: the host then ignores router advertisements unless accept_ra is 2); the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv6.conf.all.forwarding/value ] || { cat /proc/sys/net/ipv6/conf/all/forwarding >/run/nsgen/host/net.ipv6.conf.all.forwarding/value.new && mv /run/nsgen/host/net.ipv6.conf.all.forwarding/value.new /run/nsgen/host/net.ipv6.conf.all.forwarding/value; }
echo 1 >/run/nsgen/host/net.ipv6.conf.all.forwarding/v6only
echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
# ipv6-only.ns:15  router r
ip netns exec r sysctl -qw net.ipv6.conf.all.forwarding=1
