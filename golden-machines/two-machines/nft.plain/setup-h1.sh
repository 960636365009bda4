#!/usr/bin/env bash
# Setup of nsgen lab 'two-machines', compiled from two-machines.ns (target nft, plain style).
# Creates namespace red; bridge lan; veth pairs veth-red-br/veth-red, veth-host-br/gw; nft table inet
# nsgen-two-machines; net.ipv4.ip_forward=1.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain two-machines.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/two-machines /run/nsgen/host/net.ipv4.ip_forward # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/two-machines/source 2>/dev/null || echo two-machines.ns)" != two-machines.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/two-machines/source >&2; exit 1; fi
echo two-machines.ns >/run/nsgen/labs/two-machines/source
# two-machines.ns:8  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/two-machines/record
ip -n red link set dev lo up
# two-machines.ns:5  bridge lan
ip link add name lan mtu 1450 up type bridge
ip link set dev lan alias nsgen:two-machines # nsgen's teardown deletes only links with this mark
# two-machines.ns:9  veth red<->lan ip 10.60.0.1/24
ip link add name veth-red-br master lan mtu 1450 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:two-machines # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none mtu 1450 up
ip -n red addr replace 10.60.0.1/24 dev veth-red
# two-machines.ns:10  veth host:gw<->lan ip 10.60.0.254/24
ip link add name veth-host-br master lan mtu 1450 up type veth peer name gw
ip link set dev veth-host-br alias nsgen:two-machines # nsgen's teardown deletes only links with this mark
ip link set dev gw mtu 1450 up
ip addr replace 10.60.0.254/24 dev gw
# two-machines.ns:5  bridge lan
ip link add name vx10001 master lan mtu 1450 up type vxlan id 10001 remote 172.30.0.2 local 172.30.0.1 dstport 4789
ip link set dev vx10001 alias nsgen:two-machines # nsgen's teardown deletes only links with this mark
# firewall: nft table inet nsgen-two-machines; first, accept what crosses the lab's bridges (the forward hook sees it when br_netfilter is on)
nft -f - <<'RULES'
add table inet nsgen-two-machines
add chain inet nsgen-two-machines postrouting { type nat hook postrouting priority srcnat; policy accept; }
add chain inet nsgen-two-machines forward { type filter hook forward priority filter; policy accept; }
add rule inet nsgen-two-machines forward iifname "lan" oifname "lan" accept comment "two-machines.ns:5"
# two-machines.ns:11  nat masquerade 10.60.0.0/24: and accept the subnet's traffic out, and the replies
add rule inet nsgen-two-machines postrouting ip saddr 10.60.0.0/24 ip daddr != 10.60.0.0/24 masquerade comment "two-machines.ns:11"
add rule inet nsgen-two-machines forward ip saddr 10.60.0.0/24 accept comment "two-machines.ns:11"
add rule inet nsgen-two-machines forward ip daddr 10.60.0.0/24 ct state established,related accept comment "two-machines.ns:11"
RULES
# net.ipv4.ip_forward=1 (the host must route between the lab and its uplink for NAT to work; the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
echo 1 >/run/nsgen/host/net.ipv4.ip_forward/two-machines
echo 1 >/proc/sys/net/ipv4/ip_forward
