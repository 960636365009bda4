#!/usr/bin/env bash
# Setup of nsgen lab 'vxlan-mesh', compiled from vxlan-mesh.ns (target iptables, plain style).
# Creates namespaces site1, site2, site3, lan3; bridges under, br0; veth pairs veth-site1-br/eth1,
# veth-site2-br/eth1, veth-site3-br/eth1, veth-lan3/veth-lan3-br; iptables chains nsgen-vxlan-mesh-*.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain vxlan-mesh.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/vxlan-mesh # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/vxlan-mesh/source 2>/dev/null || echo vxlan-mesh.ns)" != vxlan-mesh.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/vxlan-mesh/source >&2; exit 1; fi
echo vxlan-mesh.ns >/run/nsgen/labs/vxlan-mesh/source
# vxlan-mesh.ns:6  ns site1
ip netns add site1; echo '+ netns site1' >>/run/nsgen/labs/vxlan-mesh/record
ip -n site1 link set dev lo up
# vxlan-mesh.ns:7  ns site2
ip netns add site2; echo '+ netns site2' >>/run/nsgen/labs/vxlan-mesh/record
ip -n site2 link set dev lo up
# vxlan-mesh.ns:8  ns site3
ip netns add site3; echo '+ netns site3' >>/run/nsgen/labs/vxlan-mesh/record
ip -n site3 link set dev lo up
# vxlan-mesh.ns:9  ns lan3
ip netns add lan3; echo '+ netns lan3' >>/run/nsgen/labs/vxlan-mesh/record
ip -n lan3 link set dev lo up
# vxlan-mesh.ns:10  bridge under
ip link add name under up type bridge
ip link set dev under alias nsgen:vxlan-mesh # nsgen's teardown deletes only links with this mark
# vxlan-mesh.ns:16  bridge site3:br0
ip -n site3 link add name br0 type bridge
ip -n site3 link set dev br0 addrgenmode none
ip -n site3 link set dev br0 up
# vxlan-mesh.ns:11  veth site1:eth1<->under ip 172.30.0.1/24
ip link add name veth-site1-br master under up type veth peer name eth1 netns site1
ip link set dev veth-site1-br alias nsgen:vxlan-mesh # nsgen's teardown deletes only links with this mark
ip -n site1 link set dev eth1 addrgenmode none up
ip -n site1 addr replace 172.30.0.1/24 dev eth1
# vxlan-mesh.ns:12  veth site2:eth1<->under ip 172.30.0.2/24
ip link add name veth-site2-br master under up type veth peer name eth1 netns site2
ip link set dev veth-site2-br alias nsgen:vxlan-mesh # nsgen's teardown deletes only links with this mark
ip -n site2 link set dev eth1 addrgenmode none up
ip -n site2 addr replace 172.30.0.2/24 dev eth1
# vxlan-mesh.ns:13  veth site3:eth1<->under ip 172.30.0.3/24
ip link add name veth-site3-br master under up type veth peer name eth1 netns site3
ip link set dev veth-site3-br alias nsgen:vxlan-mesh # nsgen's teardown deletes only links with this mark
ip -n site3 link set dev eth1 addrgenmode none up
ip -n site3 addr replace 172.30.0.3/24 dev eth1
# vxlan-mesh.ns:18  veth lan3<->site3:br0 ip 10.42.0.3/24 mtu 1450
ip -n lan3 link add name veth-lan3 mtu 1450 type veth peer name veth-lan3-br netns site3
ip -n lan3 link set dev veth-lan3 addrgenmode none mtu 1450 up
ip -n lan3 addr replace 10.42.0.3/24 dev veth-lan3
ip -n site3 link set dev veth-lan3-br addrgenmode none master br0 mtu 1450 up
# vxlan-mesh.ns:14  vxlan site1:vx0 id 42 remote 172.30.0.2, 172.30.0.3 local 172.30.0.1 dev eth1 ip 10.42.0.1/24
ip -n site1 link add name vx0 type vxlan id 42 local 172.30.0.1 dev eth1 dstport 4789
ip -n site1 link set dev vx0 addrgenmode none
ip -n site1 link set dev vx0 up
bridge -n site1 fdb append 00:00:00:00:00:00 dev vx0 dst 172.30.0.2
bridge -n site1 fdb append 00:00:00:00:00:00 dev vx0 dst 172.30.0.3
ip -n site1 addr replace 10.42.0.1/24 dev vx0
# vxlan-mesh.ns:15  vxlan site2:vx0 id 42 remote 172.30.0.1, 172.30.0.3 dev eth1 ip 10.42.0.2/24
ip -n site2 link add name vx0 type vxlan id 42 dev eth1 dstport 4789
ip -n site2 link set dev vx0 addrgenmode none
ip -n site2 link set dev vx0 up
bridge -n site2 fdb append 00:00:00:00:00:00 dev vx0 dst 172.30.0.1
bridge -n site2 fdb append 00:00:00:00:00:00 dev vx0 dst 172.30.0.3
ip -n site2 addr replace 10.42.0.2/24 dev vx0
# vxlan-mesh.ns:17  vxlan site3:vx0 id 42 remote 172.30.0.1, 172.30.0.2 local 172.30.0.3 bridge br0
ip -n site3 link add name vx0 master br0 type vxlan id 42 local 172.30.0.3 dstport 4789
ip -n site3 link set dev vx0 addrgenmode none
ip -n site3 link set dev vx0 master br0 up
bridge -n site3 fdb append 00:00:00:00:00:00 dev vx0 dst 172.30.0.1
bridge -n site3 fdb append 00:00:00:00:00:00 dev vx0 dst 172.30.0.2
# firewall: iptables chains nsgen-vxlan-mesh-*; first, accept what crosses the lab's bridges (FORWARD sees it when br_netfilter is on)
iptables -t filter -N nsgen-vxlan-mesh-fwd
iptables -t filter -I FORWARD -j nsgen-vxlan-mesh-fwd
iptables -t filter -A nsgen-vxlan-mesh-fwd -i under -o under -m comment --comment vxlan-mesh.ns:10 -j ACCEPT
