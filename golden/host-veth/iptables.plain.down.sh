#!/usr/bin/env bash
# Teardown of nsgen lab 'host-veth', compiled from host-veth.ns (target iptables, plain style).
# Removes what the setup script creates (namespace red; veth pair veth-red-host/veth-red; routes in
# red to default; in the host to 10.9.0.0/24), in reverse order, and restores the sysctls it set.
# Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# host-veth.ns:5  route host 10.9.0.0/24 via 10.0.0.2
ip route del 10.9.0.0/24 via 10.0.0.2
# host-veth.ns:3  veth host<->red ip 10.0.0.1/30, 10.0.0.2/30
if ip link show dev veth-red-host | awk -v mark=nsgen:host-veth '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-red-host; fi
# host-veth.ns:2  ns red
if grep -qx '+ netns red' /run/nsgen/labs/host-veth/record 2>/dev/null; then ip netns del red; fi
# the lab's record
rm -f /run/nsgen/labs/host-veth/record /run/nsgen/labs/host-veth/source
rmdir /run/nsgen/labs/host-veth /run/nsgen/labs /run/nsgen 2>/dev/null || true
