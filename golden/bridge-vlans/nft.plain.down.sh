#!/usr/bin/env bash
# Teardown of nsgen lab 'bridge-vlans', compiled from bridge-vlans.ns (target nft, plain style).
# Removes what the setup script creates (namespaces red, blue, green, gold, grey, r1 and 1 more;
# bridges br0, br1, br2; veth pairs veth-red-br/veth-red, veth-blue-br/veth-blue,
# veth-br0-br/veth-br1-br, veth-green-br/veth-green, veth-gold-br/veth-gold, veth-grey-br/veth-grey
# and 1 more; rules in nft table inet nsgen-bridge-vlans (accept across br0, accept across br1)), in
# reverse order, and restores the sysctls it set. Plain style: run it once, after the plain setup ran
# to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: nft table inet nsgen-bridge-vlans
nft delete table inet nsgen-bridge-vlans
# bridge-vlans.ns:18  veth grey<->br1 ip 10.0.0.5/24
if ip link show dev veth-grey-br | awk -v mark=nsgen:bridge-vlans '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-grey-br; fi
# bridge-vlans.ns:17  veth gold<->br1 ip 10.0.0.4/24 tag 20
if ip link show dev veth-gold-br | awk -v mark=nsgen:bridge-vlans '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-gold-br; fi
# bridge-vlans.ns:16  veth green<->br1 ip 10.0.0.3/24 tag 10
if ip link show dev veth-green-br | awk -v mark=nsgen:bridge-vlans '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-green-br; fi
# bridge-vlans.ns:14  veth blue<->br0 ip 10.0.0.2/24 tag 20
if ip link show dev veth-blue-br | awk -v mark=nsgen:bridge-vlans '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-blue-br; fi
# bridge-vlans.ns:13  veth red<->br0 ip 10.0.0.1/24 tag 10
if ip link show dev veth-red-br | awk -v mark=nsgen:bridge-vlans '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-red-br; fi
# bridge-vlans.ns:20  ns pink
if grep -qx '+ netns pink' /run/nsgen/labs/bridge-vlans/record 2>/dev/null; then ip netns del pink; fi
# bridge-vlans.ns:19  ns r1
if grep -qx '+ netns r1' /run/nsgen/labs/bridge-vlans/record 2>/dev/null; then ip netns del r1; fi
# bridge-vlans.ns:12  ns grey
if grep -qx '+ netns grey' /run/nsgen/labs/bridge-vlans/record 2>/dev/null; then ip netns del grey; fi
# bridge-vlans.ns:11  ns gold
if grep -qx '+ netns gold' /run/nsgen/labs/bridge-vlans/record 2>/dev/null; then ip netns del gold; fi
# bridge-vlans.ns:10  ns green
if grep -qx '+ netns green' /run/nsgen/labs/bridge-vlans/record 2>/dev/null; then ip netns del green; fi
# bridge-vlans.ns:9  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/bridge-vlans/record 2>/dev/null; then ip netns del blue; fi
# bridge-vlans.ns:8  ns red
if grep -qx '+ netns red' /run/nsgen/labs/bridge-vlans/record 2>/dev/null; then ip netns del red; fi
# bridge-vlans.ns:15  veth br0<->br1 trunk 10,20
if ip link show dev veth-br0-br | awk -v mark=nsgen:bridge-vlans '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-br0-br; fi
# bridge-vlans.ns:7  bridge br1
if ip link show dev br1 | awk -v mark=nsgen:bridge-vlans '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br1; fi
# bridge-vlans.ns:6  bridge br0
if ip link show dev br0 | awk -v mark=nsgen:bridge-vlans '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br0; fi
# the lab's record
rm -f /run/nsgen/labs/bridge-vlans/record /run/nsgen/labs/bridge-vlans/source
rmdir /run/nsgen/labs/bridge-vlans /run/nsgen/labs /run/nsgen 2>/dev/null || true
