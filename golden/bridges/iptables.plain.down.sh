#!/usr/bin/env bash
# Teardown of nsgen lab 'bridges', compiled from bridges.ns (target iptables, plain style).
# Removes what the setup script creates (namespaces red, blue; bridges sw0, sw1; veth pairs
# veth-red-br/veth-red, veth-blue-br/veth-blue, veth-sw0-br/veth-sw1-br; rules in iptables chains
# nsgen-bridges-* (accept across sw0, accept across sw1)), in reverse order, and restores the sysctls
# it set. Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: iptables chains nsgen-bridges-*
iptables -t filter -D FORWARD -j nsgen-bridges-fwd
iptables -t filter -F nsgen-bridges-fwd
iptables -t filter -X nsgen-bridges-fwd
# bridges.ns:8  veth blue<->sw1 ip 10.0.4.2/24
if ip link show dev veth-blue-br | awk -v mark=nsgen:bridges '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-blue-br; fi
# bridges.ns:7  veth red<->sw0 ip 10.0.4.1/24
if ip link show dev veth-red-br | awk -v mark=nsgen:bridges '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-red-br; fi
# bridges.ns:4  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/bridges/record 2>/dev/null; then ip netns del blue; fi
# bridges.ns:3  ns red
if grep -qx '+ netns red' /run/nsgen/labs/bridges/record 2>/dev/null; then ip netns del red; fi
# bridges.ns:9  veth sw0<->sw1
if ip link show dev veth-sw0-br | awk -v mark=nsgen:bridges '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-sw0-br; fi
# bridges.ns:6  bridge sw1
if ip link show dev sw1 | awk -v mark=nsgen:bridges '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev sw1; fi
# bridges.ns:5  bridge sw0 ip 10.0.4.254/24
if ip link show dev sw0 | awk -v mark=nsgen:bridges '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev sw0; fi
# the lab's record
rm -f /run/nsgen/labs/bridges/record /run/nsgen/labs/bridges/source
rmdir /run/nsgen/labs/bridges /run/nsgen/labs /run/nsgen 2>/dev/null || true
