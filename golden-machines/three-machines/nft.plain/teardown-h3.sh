#!/usr/bin/env bash
# Teardown of nsgen lab 'three-machines', compiled from three-machines.ns (target nft, plain style).
# Removes what the setup script creates (namespace green; bridge lan; veth pair
# veth-green-br/veth-green; rules in nft table inet nsgen-three-machines (accept across lan)), in
# reverse order, and restores the sysctls it set. Plain style: run it once, after the plain setup ran
# to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: nft table inet nsgen-three-machines
nft delete table inet nsgen-three-machines
# three-machines.ns:22  veth green<->lan ip 10.61.0.3/24
if ip link show dev veth-green-br | awk -v mark=nsgen:three-machines '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-green-br; fi
# three-machines.ns:21  ns green
if grep -qx '+ netns green' /run/nsgen/labs/three-machines/record 2>/dev/null; then ip netns del green; fi
# three-machines.ns:7  bridge lan
if ip link show dev vx10001 | awk -v mark=nsgen:three-machines '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev vx10001; fi
if ip link show dev lan | awk -v mark=nsgen:three-machines '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev lan; fi
# the lab's record
rm -f /run/nsgen/labs/three-machines/record /run/nsgen/labs/three-machines/source
rmdir /run/nsgen/labs/three-machines /run/nsgen/labs /run/nsgen 2>/dev/null || true
