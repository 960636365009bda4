#!/usr/bin/env bash
# Teardown of nsgen lab 'three-machines', compiled from three-machines.ns (target iptables, plain style).
# Removes what the setup script creates (namespace blue; bridge lan; veth pair veth-blue-br/veth-blue;
# rules in iptables chains nsgen-three-machines-* (accept across lan)), in reverse order, and restores
# the sysctls it set. Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: iptables chains nsgen-three-machines-*
iptables -t filter -D FORWARD -j nsgen-three-machines-fwd
iptables -t filter -F nsgen-three-machines-fwd
iptables -t filter -X nsgen-three-machines-fwd
# three-machines.ns:16  veth blue<->lan ip 10.61.0.2/24
if ip link show dev veth-blue-br | awk -v mark=nsgen:three-machines '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-blue-br; fi
# three-machines.ns:15  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/three-machines/record 2>/dev/null; then ip netns del blue; fi
# three-machines.ns:7  bridge lan
if ip link show dev vx10001 | awk -v mark=nsgen:three-machines '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev vx10001; fi
if ip link show dev lan | awk -v mark=nsgen:three-machines '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev lan; fi
# the lab's record
rm -f /run/nsgen/labs/three-machines/record /run/nsgen/labs/three-machines/source
rmdir /run/nsgen/labs/three-machines /run/nsgen/labs /run/nsgen 2>/dev/null || true
