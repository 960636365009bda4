#!/usr/bin/env bash
# Teardown of nsgen lab 'router-nat', compiled from router-nat.ns (target iptables, plain style).
# Removes what the setup script creates (namespaces red, r1, edge; veth pairs veth-red/veth-r1,
# eth1/veth-edge; route in red to default; rules in namespace r1 (masquerade 10.0.1.0/24, tcp 8080 ->
# 10.0.1.2:80, udp 5353 -> 10.0.1.2:53)), in reverse order, and restores the sysctls it set. Plain
# style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# router-nat.ns:5  ns edge
if grep -qx '+ netns edge' /run/nsgen/labs/router-nat/record 2>/dev/null; then ip netns del edge; fi
# router-nat.ns:4  ns r1
if grep -qx '+ netns r1' /run/nsgen/labs/router-nat/record 2>/dev/null; then ip netns del r1; fi
# router-nat.ns:3  ns red
if grep -qx '+ netns red' /run/nsgen/labs/router-nat/record 2>/dev/null; then ip netns del red; fi
# the lab's record
rm -f /run/nsgen/labs/router-nat/record /run/nsgen/labs/router-nat/source
rmdir /run/nsgen/labs/router-nat /run/nsgen/labs /run/nsgen 2>/dev/null || true
