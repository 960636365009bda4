#!/usr/bin/env bash
# Setup of nsgen lab 'one-liner', compiled from one-liner.ns (target nft, plain style).
# Creates namespace red; bridge v-net-0; veth pair veth-red-br/veth-red; nft table inet
# nsgen-one-liner; net.ipv4.ip_forward=1.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain one-liner.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/one-liner /run/nsgen/host/net.ipv4.ip_forward # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/one-liner/source 2>/dev/null || echo one-liner.ns)" != one-liner.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/one-liner/source >&2; exit 1; fi
echo one-liner.ns >/run/nsgen/labs/one-liner/source
# one-liner.ns:1  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/one-liner/record
ip -n red link set dev lo up
# one-liner.ns:1  veth red<->v-net-0 ip 192.168.15.1
ip link add name v-net-0 up type bridge
ip link set dev v-net-0 alias nsgen:one-liner # nsgen's teardown deletes only links with this mark
ip link add name veth-red-br master v-net-0 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:one-liner # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 192.168.15.1/24 dev veth-red
# firewall: nft table inet nsgen-one-liner
nft -f - <<'RULES'
add table inet nsgen-one-liner
add chain inet nsgen-one-liner postrouting { type nat hook postrouting priority srcnat; policy accept; }
add chain inet nsgen-one-liner forward { type filter hook forward priority filter; policy accept; }
# one-liner.ns:1  nat masquerade 192.168.15.0/24: and accept the subnet's traffic out, and the replies
add rule inet nsgen-one-liner postrouting ip saddr 192.168.15.0/24 ip daddr != 192.168.15.0/24 masquerade comment "one-liner.ns:1"
add rule inet nsgen-one-liner forward ip saddr 192.168.15.0/24 accept comment "one-liner.ns:1"
add rule inet nsgen-one-liner forward ip daddr 192.168.15.0/24 ct state established,related accept comment "one-liner.ns:1"
RULES
# net.ipv4.ip_forward=1 (the host must route between the lab and its uplink for NAT to work; the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
echo 1 >/run/nsgen/host/net.ipv4.ip_forward/one-liner
echo 1 >/proc/sys/net/ipv4/ip_forward
