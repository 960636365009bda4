#!/usr/bin/env bash
# Setup of nsgen lab 'vxlan', compiled from vxlan.ns (target nft, plain style).
# Creates namespaces site1, site2, far, red; bridge br7; veth pairs eth1/eth1, veth-far-host/veth-far,
# veth-red-br/veth-red; nft table inet nsgen-vxlan.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain vxlan.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/vxlan # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/vxlan/source 2>/dev/null || echo vxlan.ns)" != vxlan.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/vxlan/source >&2; exit 1; fi
echo vxlan.ns >/run/nsgen/labs/vxlan/source
# vxlan.ns:4  ns site1
ip netns add site1; echo '+ netns site1' >>/run/nsgen/labs/vxlan/record
ip -n site1 link set dev lo up
# vxlan.ns:5  ns site2
ip netns add site2; echo '+ netns site2' >>/run/nsgen/labs/vxlan/record
ip -n site2 link set dev lo up
# vxlan.ns:9  ns far
ip netns add far; echo '+ netns far' >>/run/nsgen/labs/vxlan/record
ip -n far link set dev lo up
# vxlan.ns:10  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/vxlan/record
ip -n red link set dev lo up
# vxlan.ns:12  bridge br7 ip 10.7.0.254/24
ip link add name br7 up type bridge
ip link set dev br7 alias nsgen:vxlan # nsgen's teardown deletes only links with this mark
ip addr replace 10.7.0.254/24 dev br7
# vxlan.ns:6  veth site1:eth1<->site2:eth1 ip 172.30.0.1/24, 172.30.0.2/24
ip -n site1 link add name eth1 type veth peer name eth1 netns site2
ip -n site1 link set dev eth1 addrgenmode none up
ip -n site1 addr replace 172.30.0.1/24 dev eth1
ip -n site2 link set dev eth1 addrgenmode none up
ip -n site2 addr replace 172.30.0.2/24 dev eth1
# vxlan.ns:11  veth far<->host ip 172.31.0.2/24, 172.31.0.1/24
ip link add name veth-far-host up type veth peer name veth-far netns far
ip link set dev veth-far-host alias nsgen:vxlan # nsgen's teardown deletes only links with this mark
ip addr replace 172.31.0.1/24 dev veth-far-host
ip -n far link set dev veth-far addrgenmode none up
ip -n far addr replace 172.31.0.2/24 dev veth-far
# vxlan.ns:13  veth red<->br7 ip 10.7.0.1/24 mtu 1450
ip link add name veth-red-br master br7 mtu 1450 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:vxlan # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none mtu 1450 up
ip -n red addr replace 10.7.0.1/24 dev veth-red
# vxlan.ns:7  vxlan site1:vx0 id 42 remote 172.30.0.2 local 172.30.0.1 dev eth1 ip 10.42.0.1/24
ip -n site1 link add name vx0 type vxlan id 42 remote 172.30.0.2 local 172.30.0.1 dev eth1 dstport 4789
ip -n site1 link set dev vx0 addrgenmode none
ip -n site1 link set dev vx0 up
ip -n site1 addr replace 10.42.0.1/24 dev vx0
# vxlan.ns:8  vxlan site2:vx0 id 42 remote 172.30.0.1 dev eth1 port 4789 ip 10.42.0.2/24
ip -n site2 link add name vx0 type vxlan id 42 remote 172.30.0.1 dev eth1 dstport 4789
ip -n site2 link set dev vx0 addrgenmode none
ip -n site2 link set dev vx0 up
ip -n site2 addr replace 10.42.0.2/24 dev vx0
# vxlan.ns:14  vxlan vx7 id 7 remote 172.31.0.2 dev veth-far-host bridge br7
ip link add name vx7 master br7 up type vxlan id 7 remote 172.31.0.2 dev veth-far-host dstport 4789
ip link set dev vx7 alias nsgen:vxlan # nsgen's teardown deletes only links with this mark
# vxlan.ns:15  vxlan far:vx7 id 7 remote 172.31.0.1 dev veth-far ip 10.7.0.2/24
ip -n far link add name vx7 type vxlan id 7 remote 172.31.0.1 dev veth-far dstport 4789
ip -n far link set dev vx7 addrgenmode none
ip -n far link set dev vx7 up
ip -n far addr replace 10.7.0.2/24 dev vx7
# firewall: nft table inet nsgen-vxlan; first, accept what crosses the lab's bridges (the forward hook sees it when br_netfilter is on)
nft -f - <<'RULES'
add table inet nsgen-vxlan
add chain inet nsgen-vxlan forward { type filter hook forward priority filter; policy accept; }
add rule inet nsgen-vxlan forward iifname "br7" oifname "br7" accept comment "vxlan.ns:12"
RULES
