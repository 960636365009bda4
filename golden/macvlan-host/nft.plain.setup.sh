#!/usr/bin/env bash
# Setup of nsgen lab 'macvlan-host', compiled from macvlan-host.ns (target nft, plain style).
# Creates namespace red; macvlan red:mv0; route in red.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain macvlan-host.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/macvlan-host # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/macvlan-host/source 2>/dev/null || echo macvlan-host.ns)" != macvlan-host.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/macvlan-host/source >&2; exit 1; fi
echo macvlan-host.ns >/run/nsgen/labs/macvlan-host/source
# macvlan-host.ns:3  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/macvlan-host/record
ip -n red link set dev lo up
# macvlan-host.ns:4  macvlan red:mv0 on eth0 mode vepa ip 192.168.1.50/24 mtu 1400
ip link add link eth0 name mv0 netns red type macvlan mode vepa
ip -n red link set dev mv0 addrgenmode none
ip -n red link set dev mv0 mtu 1400 up
ip -n red addr replace 192.168.1.50/24 dev mv0
# macvlan-host.ns:5  route red default via 192.168.1.1
ip -n red route add default via 192.168.1.1
