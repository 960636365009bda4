#!/usr/bin/env bash
# Setup of nsgen lab 'macvlan', compiled from macvlan.ns (target iptables, plain style).
# Creates namespaces red, blue; bridge br0; macvlans red:eth0, blue:eth0.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain macvlan.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/macvlan # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/macvlan/source 2>/dev/null || echo macvlan.ns)" != macvlan.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/macvlan/source >&2; exit 1; fi
echo macvlan.ns >/run/nsgen/labs/macvlan/source
# macvlan.ns:3  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/macvlan/record
ip -n red link set dev lo up
# macvlan.ns:4  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/macvlan/record
ip -n blue link set dev lo up
# macvlan.ns:5  bridge br0 ip 192.168.1.1/24
ip link add name br0 up type bridge
ip link set dev br0 alias nsgen:macvlan # nsgen's teardown deletes only links with this mark
ip addr replace 192.168.1.1/24 dev br0
# macvlan.ns:6  macvlan red:eth0 on br0 mode bridge ip 192.168.1.50/24
ip link add link br0 name eth0 netns red type macvlan mode bridge
ip -n red link set dev eth0 addrgenmode none
ip -n red link set dev eth0 up
ip -n red addr replace 192.168.1.50/24 dev eth0
# macvlan.ns:7  macvlan blue:eth0 on br0 ip 192.168.1.51/24
# (no mode given: bridge, nsgen's default)
ip link add link br0 name eth0 netns blue type macvlan mode bridge
ip -n blue link set dev eth0 addrgenmode none
ip -n blue link set dev eth0 up
ip -n blue addr replace 192.168.1.51/24 dev eth0
