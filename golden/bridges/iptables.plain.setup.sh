#!/usr/bin/env bash
# Setup of nsgen lab 'bridges', compiled from bridges.ns (target iptables, plain style).
# Creates namespaces red, blue; bridges sw0, sw1; veth pairs veth-red-br/veth-red,
# veth-blue-br/veth-blue, veth-sw0-br/veth-sw1-br; iptables chains nsgen-bridges-*.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain bridges.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/bridges # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/bridges/source 2>/dev/null || echo bridges.ns)" != bridges.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/bridges/source >&2; exit 1; fi
echo bridges.ns >/run/nsgen/labs/bridges/source
# bridges.ns:3  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/bridges/record
ip -n red link set dev lo up
# bridges.ns:4  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/bridges/record
ip -n blue link set dev lo up
# bridges.ns:5  bridge sw0 ip 10.0.4.254/24
ip link add name sw0 up type bridge
ip link set dev sw0 alias nsgen:bridges # nsgen's teardown deletes only links with this mark
ip addr replace 10.0.4.254/24 dev sw0
# bridges.ns:6  bridge sw1
ip link add name sw1 up type bridge
ip link set dev sw1 alias nsgen:bridges # nsgen's teardown deletes only links with this mark
# bridges.ns:7  veth red<->sw0 ip 10.0.4.1/24
ip link add name veth-red-br master sw0 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:bridges # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 10.0.4.1/24 dev veth-red
# bridges.ns:8  veth blue<->sw1 ip 10.0.4.2/24
ip link add name veth-blue-br master sw1 up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:bridges # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue addrgenmode none up
ip -n blue addr replace 10.0.4.2/24 dev veth-blue
# bridges.ns:9  veth sw0<->sw1
ip link add name veth-sw0-br master sw1 up type veth peer name veth-sw1-br
ip link set dev veth-sw0-br alias nsgen:bridges # nsgen's teardown deletes only links with this mark
ip link set dev veth-sw1-br master sw0 up
# firewall: iptables chains nsgen-bridges-*; first, accept what crosses the lab's bridges (FORWARD sees it when br_netfilter is on)
iptables -t filter -N nsgen-bridges-fwd
iptables -t filter -I FORWARD -j nsgen-bridges-fwd
iptables -t filter -A nsgen-bridges-fwd -i sw0 -o sw0 -m comment --comment bridges.ns:5 -j ACCEPT
iptables -t filter -A nsgen-bridges-fwd -i sw1 -o sw1 -m comment --comment bridges.ns:6 -j ACCEPT
