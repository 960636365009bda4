#!/usr/bin/env bash
# Setup of nsgen lab 'ipip', compiled from ipip.ns (target nft, plain style).
# Creates namespaces site1, site2, far; veth pairs eth1/eth1, veth-far-host/veth-far; tunnels ipip
# site1:ip1, ipip site2:ip1, ipip ip7, ipip far:ip7.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain ipip.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/ipip # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/ipip/source 2>/dev/null || echo ipip.ns)" != ipip.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/ipip/source >&2; exit 1; fi
echo ipip.ns >/run/nsgen/labs/ipip/source
# ipip.ns:5  ns site1
ip netns add site1; echo '+ netns site1' >>/run/nsgen/labs/ipip/record
ip -n site1 link set dev lo up
# ipip.ns:6  ns site2
ip netns add site2; echo '+ netns site2' >>/run/nsgen/labs/ipip/record
ip -n site2 link set dev lo up
# ipip.ns:10  ns far
ip netns add far; echo '+ netns far' >>/run/nsgen/labs/ipip/record
ip -n far link set dev lo up
# ipip.ns:7  veth site1:eth1<->site2:eth1 ip 172.30.0.1/24, 172.30.0.2/24
ip -n site1 link add name eth1 type veth peer name eth1 netns site2
ip -n site1 link set dev eth1 addrgenmode none up
ip -n site1 addr replace 172.30.0.1/24 dev eth1
ip -n site2 link set dev eth1 addrgenmode none up
ip -n site2 addr replace 172.30.0.2/24 dev eth1
# ipip.ns:11  veth far<->host ip 172.31.0.2/24, 172.31.0.1/24
ip link add name veth-far-host up type veth peer name veth-far netns far
ip link set dev veth-far-host alias nsgen:ipip # nsgen's teardown deletes only links with this mark
ip addr replace 172.31.0.1/24 dev veth-far-host
ip -n far link set dev veth-far addrgenmode none up
ip -n far addr replace 172.31.0.2/24 dev veth-far
# ipip.ns:8  ipip site1:ip1 remote 172.30.0.2 local 172.30.0.1 dev eth1 ip 10.6.0.1/30
ip -n site1 link add name ip1 type ipip remote 172.30.0.2 local 172.30.0.1 dev eth1
ip -n site1 link set dev ip1 addrgenmode none
ip -n site1 link set dev ip1 up
ip -n site1 addr replace 10.6.0.1/30 dev ip1
# ipip.ns:9  ipip site2:ip1 remote 172.30.0.1 local 172.30.0.2 ip 10.6.0.2/30 mtu 1480
ip -n site2 link add name ip1 mtu 1480 type ipip remote 172.30.0.1 local 172.30.0.2
ip -n site2 link set dev ip1 addrgenmode none
ip -n site2 link set dev ip1 mtu 1480 up
ip -n site2 addr replace 10.6.0.2/30 dev ip1
# ipip.ns:12  ipip ip7 remote 172.31.0.2 ttl 64 ip 10.6.1.1/30
ip link add name ip7 up type ipip remote 172.31.0.2 ttl 64
ip link set dev ip7 alias nsgen:ipip # nsgen's teardown deletes only links with this mark
ip addr replace 10.6.1.1/30 dev ip7
# ipip.ns:13  ipip far:ip7 remote 172.31.0.1 local 172.31.0.2 ip 10.6.1.2/30
ip -n far link add name ip7 type ipip remote 172.31.0.1 local 172.31.0.2
ip -n far link set dev ip7 addrgenmode none
ip -n far link set dev ip7 up
ip -n far addr replace 10.6.1.2/30 dev ip7
