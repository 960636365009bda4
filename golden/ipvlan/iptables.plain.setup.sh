#!/usr/bin/env bash
# Setup of nsgen lab 'ipvlan', compiled from ipvlan.ns (target iptables, plain style).
# Creates namespaces red, blue, far; veth pair veth-far-host/veth-far; ipvlans red:ipv0, blue:ipv0.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain ipvlan.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/ipvlan # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/ipvlan/source 2>/dev/null || echo ipvlan.ns)" != ipvlan.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/ipvlan/source >&2; exit 1; fi
echo ipvlan.ns >/run/nsgen/labs/ipvlan/source
# ipvlan.ns:4  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/ipvlan/record
ip -n red link set dev lo up
# ipvlan.ns:5  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/ipvlan/record
ip -n blue link set dev lo up
# ipvlan.ns:6  ns far
ip netns add far; echo '+ netns far' >>/run/nsgen/labs/ipvlan/record
ip -n far link set dev lo up
# ipvlan.ns:7  veth far<->host ip 192.168.8.9/24, 192.168.8.254/24
ip link add name veth-far-host up type veth peer name veth-far netns far
ip link set dev veth-far-host alias nsgen:ipvlan # nsgen's teardown deletes only links with this mark
ip addr replace 192.168.8.254/24 dev veth-far-host
ip -n far link set dev veth-far addrgenmode none up
ip -n far addr replace 192.168.8.9/24 dev veth-far
# ipvlan.ns:8  ipvlan red:ipv0 on veth-far-host mode l3 ip 192.168.8.1/24
ip link add link veth-far-host name ipv0 netns red type ipvlan mode l3
ip -n red link set dev ipv0 addrgenmode none
ip -n red link set dev ipv0 up
ip -n red addr replace 192.168.8.1/24 dev ipv0
# ipvlan.ns:9  ipvlan blue:ipv0 on veth-far-host ip 192.168.8.2/24
# (no mode given: l3, nsgen's default)
ip link add link veth-far-host name ipv0 netns blue type ipvlan mode l3
ip -n blue link set dev ipv0 addrgenmode none
ip -n blue link set dev ipv0 up
ip -n blue addr replace 192.168.8.2/24 dev ipv0
