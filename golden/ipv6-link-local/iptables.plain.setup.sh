#!/usr/bin/env bash
# Setup of nsgen lab 'ipv6-link-local', compiled from ipv6-link-local.ns (target iptables, plain style).
# Creates namespaces red, blue; bridge br0; veth pairs veth-red-br/veth-red, veth-blue-br/veth-blue;
# iptables chains nsgen-ipv6-link-local-*.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain ipv6-link-local.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/ipv6-link-local # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/ipv6-link-local/source 2>/dev/null || echo ipv6-link-local.ns)" != ipv6-link-local.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/ipv6-link-local/source >&2; exit 1; fi
echo ipv6-link-local.ns >/run/nsgen/labs/ipv6-link-local/source
# ipv6-link-local.ns:4  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/ipv6-link-local/record
ip -n red link set dev lo up
# ipv6-link-local.ns:5  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/ipv6-link-local/record
ip -n blue link set dev lo up
# ipv6-link-local.ns:6  bridge br0 ip 10.9.0.1/24
ip link add name br0 up type bridge
ip link set dev br0 alias nsgen:ipv6-link-local # nsgen's teardown deletes only links with this mark
ip addr replace 10.9.0.1/24 dev br0
# ipv6-link-local.ns:7  veth red<->br0 ip 10.9.0.2/24
ip link add name veth-red-br master br0 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:ipv6-link-local # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red up
ip -n red addr replace 10.9.0.2/24 dev veth-red
# ipv6-link-local.ns:8  veth blue<->br0 ip 10.9.0.3/24
ip link add name veth-blue-br master br0 up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:ipv6-link-local # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue up
ip -n blue addr replace 10.9.0.3/24 dev veth-blue
# firewall: iptables chains nsgen-ipv6-link-local-*; first, accept what crosses the lab's bridges (FORWARD sees it when br_netfilter is on)
iptables -t filter -N nsgen-ipv6-link-local-fwd
iptables -t filter -I FORWARD -j nsgen-ipv6-link-local-fwd
iptables -t filter -A nsgen-ipv6-link-local-fwd -i br0 -o br0 -m comment --comment ipv6-link-local.ns:6 -j ACCEPT
