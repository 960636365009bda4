#!/usr/bin/env bash
# Teardown of nsgen lab 'router-nat6', compiled from router-nat6.ns (target nft, plain style).
# Removes what the setup script creates (namespaces red, r1, edge; veth pairs veth-red/veth-r1,
# eth1/veth-edge; routes in red to default, default; rules in namespace r1 (masquerade 10.0.1.0/24,
# masquerade fd00:11::/64, tcp 8080 -> 10.0.1.2:80, tcp 8080 -> [fd00:11::2]:80, udp 5353 ->
# [fd00:11::2]:53)), in reverse order, and restores the sysctls it set. Plain style: run it once,
# after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# router-nat6.ns:6  ns edge
if grep -qx '+ netns edge' /run/nsgen/labs/router-nat6/record 2>/dev/null; then ip netns del edge; fi
# router-nat6.ns:5  ns r1
if grep -qx '+ netns r1' /run/nsgen/labs/router-nat6/record 2>/dev/null; then ip netns del r1; fi
# router-nat6.ns:4  ns red
if grep -qx '+ netns red' /run/nsgen/labs/router-nat6/record 2>/dev/null; then ip netns del red; fi
# the lab's record
rm -f /run/nsgen/labs/router-nat6/record /run/nsgen/labs/router-nat6/source
rmdir /run/nsgen/labs/router-nat6 /run/nsgen/labs /run/nsgen 2>/dev/null || true
