#!/usr/bin/env bash
# Teardown of nsgen lab 'two-machines', compiled from two-machines.ns (target iptables, plain style).
# Removes what the setup script creates (namespace blue; bridge lan; veth pair veth-blue-br/veth-blue;
# route in blue to default; rules in iptables chains nsgen-two-machines-* (accept across lan)), in
# reverse order, and restores the sysctls it set. Plain style: run it once, after the plain setup ran
# to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: iptables chains nsgen-two-machines-*
iptables -t filter -D FORWARD -j nsgen-two-machines-fwd
iptables -t filter -F nsgen-two-machines-fwd
iptables -t filter -X nsgen-two-machines-fwd
# two-machines.ns:16  veth blue<->lan ip 10.60.0.2/24
if ip link show dev veth-blue-br | awk -v mark=nsgen:two-machines '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-blue-br; fi
# two-machines.ns:15  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/two-machines/record 2>/dev/null; then ip netns del blue; fi
# two-machines.ns:5  bridge lan
if ip link show dev vx10001 | awk -v mark=nsgen:two-machines '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev vx10001; fi
if ip link show dev lan | awk -v mark=nsgen:two-machines '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev lan; fi
# the lab's record
rm -f /run/nsgen/labs/two-machines/record /run/nsgen/labs/two-machines/source
rmdir /run/nsgen/labs/two-machines /run/nsgen/labs /run/nsgen 2>/dev/null || true
