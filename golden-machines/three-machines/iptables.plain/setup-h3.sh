#!/usr/bin/env bash
# Setup of nsgen lab 'three-machines', compiled from three-machines.ns (target iptables, plain style).
# Creates namespace green; bridge lan; veth pair veth-green-br/veth-green; iptables chains
# nsgen-three-machines-*.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain three-machines.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/three-machines # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/three-machines/source 2>/dev/null || echo three-machines.ns)" != three-machines.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/three-machines/source >&2; exit 1; fi
echo three-machines.ns >/run/nsgen/labs/three-machines/source
# three-machines.ns:21  ns green
ip netns add green; echo '+ netns green' >>/run/nsgen/labs/three-machines/record
ip -n green link set dev lo up
# three-machines.ns:7  bridge lan
ip link add name lan mtu 1450 up type bridge
ip link set dev lan alias nsgen:three-machines # nsgen's teardown deletes only links with this mark
# three-machines.ns:22  veth green<->lan ip 10.61.0.3/24
ip link add name veth-green-br master lan mtu 1450 up type veth peer name veth-green netns green
ip link set dev veth-green-br alias nsgen:three-machines # nsgen's teardown deletes only links with this mark
ip -n green link set dev veth-green addrgenmode none mtu 1450 up
ip -n green addr replace 10.61.0.3/24 dev veth-green
# three-machines.ns:7  bridge lan
ip link add name vx10001 master lan mtu 1450 up type vxlan id 10001 local 172.30.0.3 dstport 4789
ip link set dev vx10001 alias nsgen:three-machines # nsgen's teardown deletes only links with this mark
bridge fdb append 00:00:00:00:00:00 dev vx10001 dst 172.30.0.1
bridge fdb append 00:00:00:00:00:00 dev vx10001 dst 172.30.0.2
# firewall: iptables chains nsgen-three-machines-*; first, accept what crosses the lab's bridges (FORWARD sees it when br_netfilter is on)
iptables -t filter -N nsgen-three-machines-fwd
iptables -t filter -I FORWARD -j nsgen-three-machines-fwd
iptables -t filter -A nsgen-three-machines-fwd -i lan -o lan -m comment --comment three-machines.ns:7 -j ACCEPT
