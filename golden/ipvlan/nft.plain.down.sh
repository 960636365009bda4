#!/usr/bin/env bash
# Teardown of nsgen lab 'ipvlan', compiled from ipvlan.ns (target nft, plain style).
# Removes what the setup script creates (namespaces red, blue, far; veth pair veth-far-host/veth-far;
# ipvlans red:ipv0, blue:ipv0), in reverse order, and restores the sysctls it set. Plain style: run it
# once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# ipvlan.ns:7  veth far<->host ip 192.168.8.9/24, 192.168.8.254/24
if ip link show dev veth-far-host | awk -v mark=nsgen:ipvlan '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-far-host; fi
# ipvlan.ns:6  ns far
if grep -qx '+ netns far' /run/nsgen/labs/ipvlan/record 2>/dev/null; then ip netns del far; fi
# ipvlan.ns:5  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/ipvlan/record 2>/dev/null; then ip netns del blue; fi
# ipvlan.ns:4  ns red
if grep -qx '+ netns red' /run/nsgen/labs/ipvlan/record 2>/dev/null; then ip netns del red; fi
# the lab's record
rm -f /run/nsgen/labs/ipvlan/record /run/nsgen/labs/ipvlan/source
rmdir /run/nsgen/labs/ipvlan /run/nsgen/labs /run/nsgen 2>/dev/null || true
