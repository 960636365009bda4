#!/usr/bin/env bash
# Teardown of nsgen lab 'router-filter6', compiled from router-filter6.ns (target nft, plain style).
# Removes what the setup script creates (namespaces lan, r1, dmz, edge; veth pairs veth-lan/inside,
# dmz/veth-dmz, wan/veth-edge; routes in lan to default, default; in dmz to default, default; in edge
# to fd00::/16; rules in namespace r1 (2001:db8:9::10 -> fd00:2::2, redirect tcp 8080 -> 3128,
# forwarding denied, 2 flows allowed)), in reverse order, and restores the sysctls it set. Plain
# style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# router-filter6.ns:7  ns edge
if grep -qx '+ netns edge' /run/nsgen/labs/router-filter6/record 2>/dev/null; then ip netns del edge; fi
# router-filter6.ns:6  ns dmz
if grep -qx '+ netns dmz' /run/nsgen/labs/router-filter6/record 2>/dev/null; then ip netns del dmz; fi
# router-filter6.ns:5  ns r1
if grep -qx '+ netns r1' /run/nsgen/labs/router-filter6/record 2>/dev/null; then ip netns del r1; fi
# router-filter6.ns:4  ns lan
if grep -qx '+ netns lan' /run/nsgen/labs/router-filter6/record 2>/dev/null; then ip netns del lan; fi
# the lab's record
rm -f /run/nsgen/labs/router-filter6/record /run/nsgen/labs/router-filter6/source
rmdir /run/nsgen/labs/router-filter6 /run/nsgen/labs /run/nsgen 2>/dev/null || true
