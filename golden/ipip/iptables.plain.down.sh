#!/usr/bin/env bash
# Teardown of nsgen lab 'ipip', compiled from ipip.ns (target iptables, plain style).
# Removes what the setup script creates (namespaces site1, site2, far; veth pairs eth1/eth1,
# veth-far-host/veth-far; tunnels ipip site1:ip1, ipip site2:ip1, ipip ip7, ipip far:ip7), in reverse
# order, and restores the sysctls it set. Plain style: run it once, after the plain setup ran to its
# end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# ipip.ns:11  veth far<->host ip 172.31.0.2/24, 172.31.0.1/24
if ip link show dev veth-far-host | awk -v mark=nsgen:ipip '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-far-host; fi
# ipip.ns:10  ns far
if grep -qx '+ netns far' /run/nsgen/labs/ipip/record 2>/dev/null; then ip netns del far; fi
# ipip.ns:6  ns site2
if grep -qx '+ netns site2' /run/nsgen/labs/ipip/record 2>/dev/null; then ip netns del site2; fi
# ipip.ns:5  ns site1
if grep -qx '+ netns site1' /run/nsgen/labs/ipip/record 2>/dev/null; then ip netns del site1; fi
# ipip.ns:12  ipip ip7 remote 172.31.0.2 ttl 64 ip 10.6.1.1/30
if ip link show dev ip7 | awk -v mark=nsgen:ipip '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev ip7; fi
# the lab's record
rm -f /run/nsgen/labs/ipip/record /run/nsgen/labs/ipip/source
rmdir /run/nsgen/labs/ipip /run/nsgen/labs /run/nsgen 2>/dev/null || true
