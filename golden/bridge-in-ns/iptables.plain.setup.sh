#!/usr/bin/env bash
# Setup of nsgen lab 'bridge-in-ns', compiled from bridge-in-ns.ns (target iptables, plain style).
# Creates namespaces r1, red, blue; bridges v-net, br0; veth pairs veth-red/veth-red-br,
# veth-blue/veth-blue-br, veth-r1-br/veth-r1; routes in red, the host.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain bridge-in-ns.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/bridge-in-ns # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/bridge-in-ns/source 2>/dev/null || echo bridge-in-ns.ns)" != bridge-in-ns.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/bridge-in-ns/source >&2; exit 1; fi
echo bridge-in-ns.ns >/run/nsgen/labs/bridge-in-ns/source
# bridge-in-ns.ns:4  ns r1
ip netns add r1; echo '+ netns r1' >>/run/nsgen/labs/bridge-in-ns/record
ip -n r1 link set dev lo up
# bridge-in-ns.ns:5  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/bridge-in-ns/record
ip -n red link set dev lo up
# bridge-in-ns.ns:6  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/bridge-in-ns/record
ip -n blue link set dev lo up
# bridge-in-ns.ns:7  bridge v-net ip 10.0.9.254/24
ip link add name v-net up type bridge
ip link set dev v-net alias nsgen:bridge-in-ns # nsgen's teardown deletes only links with this mark
ip addr replace 10.0.9.254/24 dev v-net
# bridge-in-ns.ns:8  bridge r1:br0 ip 10.0.3.1/24
ip -n r1 link add name br0 type bridge
ip -n r1 link set dev br0 addrgenmode none
ip -n r1 link set dev br0 up
ip -n r1 addr replace 10.0.3.1/24 dev br0
# bridge-in-ns.ns:9  veth red<->r1:br0 ip 10.0.3.2/24
ip -n red link add name veth-red type veth peer name veth-red-br netns r1
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 10.0.3.2/24 dev veth-red
ip -n r1 link set dev veth-red-br addrgenmode none master br0 up
# bridge-in-ns.ns:10  veth blue<->r1:br0 ip 10.0.3.3/24
ip -n blue link add name veth-blue type veth peer name veth-blue-br netns r1
ip -n blue link set dev veth-blue addrgenmode none up
ip -n blue addr replace 10.0.3.3/24 dev veth-blue
ip -n r1 link set dev veth-blue-br addrgenmode none master br0 up
# bridge-in-ns.ns:11  veth r1<->v-net ip 10.0.9.1/24
ip link add name veth-r1-br master v-net up type veth peer name veth-r1 netns r1
ip link set dev veth-r1-br alias nsgen:bridge-in-ns # nsgen's teardown deletes only links with this mark
ip -n r1 link set dev veth-r1 addrgenmode none up
ip -n r1 addr replace 10.0.9.1/24 dev veth-r1
# bridge-in-ns.ns:13  route red default via 10.0.3.1
ip -n red route add default via 10.0.3.1
# bridge-in-ns.ns:14  route host 10.0.3.0/24 via 10.0.9.1
ip route add 10.0.3.0/24 via 10.0.9.1
# bridge-in-ns.ns:12  router r1
ip netns exec r1 sysctl -qw net.ipv4.ip_forward=1
