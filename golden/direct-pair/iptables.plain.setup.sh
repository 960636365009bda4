#!/usr/bin/env bash
# Setup of nsgen lab 'direct-pair', compiled from direct-pair.ns (target iptables, plain style).
# Creates namespaces red, blue; veth pair veth-red/veth-blue.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain direct-pair.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/direct-pair # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/direct-pair/source 2>/dev/null || echo direct-pair.ns)" != direct-pair.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/direct-pair/source >&2; exit 1; fi
echo direct-pair.ns >/run/nsgen/labs/direct-pair/source
# direct-pair.ns:2  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/direct-pair/record
ip -n red link set dev lo up
# direct-pair.ns:2  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/direct-pair/record
ip -n blue link set dev lo up
# direct-pair.ns:2  veth red<->blue ip 192.168.15.1/24, 192.168.15.2/24
ip -n red link add name veth-red type veth peer name veth-blue netns blue
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 192.168.15.1/24 dev veth-red
ip -n blue link set dev veth-blue addrgenmode none up
ip -n blue addr replace 192.168.15.2/24 dev veth-blue
