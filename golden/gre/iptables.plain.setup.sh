#!/usr/bin/env bash
# Setup of nsgen lab 'gre', compiled from gre.ns (target iptables, plain style).
# Creates namespaces site1, site2, far; veth pairs eth1/eth1, veth-far-host/veth-far; tunnels gre
# site1:gre1, gre site2:gre1, gre gk1, gre far:gk1.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain gre.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/gre # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/gre/source 2>/dev/null || echo gre.ns)" != gre.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/gre/source >&2; exit 1; fi
echo gre.ns >/run/nsgen/labs/gre/source
# gre.ns:5  ns site1
ip netns add site1; echo '+ netns site1' >>/run/nsgen/labs/gre/record
ip -n site1 link set dev lo up
# gre.ns:6  ns site2
ip netns add site2; echo '+ netns site2' >>/run/nsgen/labs/gre/record
ip -n site2 link set dev lo up
# gre.ns:10  ns far
ip netns add far; echo '+ netns far' >>/run/nsgen/labs/gre/record
ip -n far link set dev lo up
# gre.ns:7  veth site1:eth1<->site2:eth1 ip 172.30.0.1/24, 172.30.0.2/24
ip -n site1 link add name eth1 type veth peer name eth1 netns site2
ip -n site1 link set dev eth1 addrgenmode none up
ip -n site1 addr replace 172.30.0.1/24 dev eth1
ip -n site2 link set dev eth1 addrgenmode none up
ip -n site2 addr replace 172.30.0.2/24 dev eth1
# gre.ns:11  veth far<->host ip 172.31.0.2/24, 172.31.0.1/24
ip link add name veth-far-host up type veth peer name veth-far netns far
ip link set dev veth-far-host alias nsgen:gre # nsgen's teardown deletes only links with this mark
ip addr replace 172.31.0.1/24 dev veth-far-host
ip -n far link set dev veth-far addrgenmode none up
ip -n far addr replace 172.31.0.2/24 dev veth-far
# gre.ns:8  gre site1:gre1 remote 172.30.0.2 local 172.30.0.1 dev eth1 ttl 64 ip 10.9.0.1/30
ip -n site1 link add name gre1 type gre remote 172.30.0.2 local 172.30.0.1 dev eth1 ttl 64
ip -n site1 link set dev gre1 addrgenmode none
ip -n site1 link set dev gre1 up
ip -n site1 addr replace 10.9.0.1/30 dev gre1
# gre.ns:9  gre site2:gre1 remote 172.30.0.1 local 172.30.0.2 ip 10.9.0.2/30
ip -n site2 link add name gre1 type gre remote 172.30.0.1 local 172.30.0.2
ip -n site2 link set dev gre1 addrgenmode none
ip -n site2 link set dev gre1 up
ip -n site2 addr replace 10.9.0.2/30 dev gre1
# gre.ns:12  gre gk1 remote 172.31.0.2 local 172.31.0.1 key 7 mtu 1400 ip 10.9.1.1/30
ip link add name gk1 mtu 1400 up type gre remote 172.31.0.2 local 172.31.0.1 key 7
ip link set dev gk1 alias nsgen:gre # nsgen's teardown deletes only links with this mark
ip addr replace 10.9.1.1/30 dev gk1
# gre.ns:13  gre far:gk1 remote 172.31.0.1 local 172.31.0.2 dev veth-far key 7 ip 10.9.1.2/30
ip -n far link add name gk1 type gre remote 172.31.0.1 local 172.31.0.2 dev veth-far key 7
ip -n far link set dev gk1 addrgenmode none
ip -n far link set dev gk1 up
ip -n far addr replace 10.9.1.2/30 dev gk1
