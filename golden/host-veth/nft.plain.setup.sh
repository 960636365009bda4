#!/usr/bin/env bash
# Setup of nsgen lab 'host-veth', compiled from host-veth.ns (target nft, plain style).
# Creates namespace red; veth pair veth-red-host/veth-red; routes in red, the host.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain host-veth.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/host-veth # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/host-veth/source 2>/dev/null || echo host-veth.ns)" != host-veth.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/host-veth/source >&2; exit 1; fi
echo host-veth.ns >/run/nsgen/labs/host-veth/source
# host-veth.ns:2  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/host-veth/record
ip -n red link set dev lo up
# host-veth.ns:3  veth host<->red ip 10.0.0.1/30, 10.0.0.2/30
ip link add name veth-red-host up type veth peer name veth-red netns red
ip link set dev veth-red-host alias nsgen:host-veth # nsgen's teardown deletes only links with this mark
ip addr replace 10.0.0.1/30 dev veth-red-host
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 10.0.0.2/30 dev veth-red
# host-veth.ns:4  route red default via 10.0.0.1
ip -n red route add default via 10.0.0.1
# host-veth.ns:5  route host 10.9.0.0/24 via 10.0.0.2
ip route add 10.9.0.0/24 via 10.0.0.2
