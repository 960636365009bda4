#!/usr/bin/env bash
# Teardown of nsgen lab 'router-filter', compiled from router-filter.ns (target nft, plain style).
# Removes what the setup script creates (namespaces lan, r1, dmz, edge; veth pairs veth-lan/inside,
# dmz/veth-dmz, wan/veth-edge; routes in lan to default; in dmz to default; in edge to 10.0.0.0/16;
# rules in namespace r1 (masquerade 10.0.1.0/24, tcp 2222 -> 10.0.2.2:22, 203.0.113.10 -> 10.0.2.2,
# redirect tcp 8080 -> 3128, forwarding denied, 1 flow allowed)), in reverse order, and restores the
# sysctls it set. Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# router-filter.ns:8  ns edge
if grep -qx '+ netns edge' /run/nsgen/labs/router-filter/record 2>/dev/null; then ip netns del edge; fi
# router-filter.ns:7  ns dmz
if grep -qx '+ netns dmz' /run/nsgen/labs/router-filter/record 2>/dev/null; then ip netns del dmz; fi
# router-filter.ns:6  ns r1
if grep -qx '+ netns r1' /run/nsgen/labs/router-filter/record 2>/dev/null; then ip netns del r1; fi
# router-filter.ns:5  ns lan
if grep -qx '+ netns lan' /run/nsgen/labs/router-filter/record 2>/dev/null; then ip netns del lan; fi
# the lab's record
rm -f /run/nsgen/labs/router-filter/record /run/nsgen/labs/router-filter/source
rmdir /run/nsgen/labs/router-filter /run/nsgen/labs /run/nsgen 2>/dev/null || true
