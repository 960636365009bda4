#!/usr/bin/env bash
# Teardown of nsgen lab 'gretap', compiled from gretap.ns (target nft, plain style).
# Removes what the setup script creates (namespaces site1, site2, red, blue, far, green; bridges br1,
# br2, br7; veth pairs eth1/eth1, veth-red/veth-red-br, veth-blue/veth-blue-br,
# veth-far-host/veth-far, veth-green-br/veth-green; tunnels gretap site1:gt0, gretap site2:gt0, gretap
# gt7, gretap far:gt7; rules in nft table inet nsgen-gretap (accept across br7)), in reverse order,
# and restores the sysctls it set. Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: nft table inet nsgen-gretap
nft delete table inet nsgen-gretap
# gretap.ns:21  veth green<->br7 ip 10.7.0.1/24 mtu 1462
if ip link show dev veth-green-br | awk -v mark=nsgen:gretap '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-green-br; fi
# gretap.ns:19  veth far<->host ip 172.31.0.2/24, 172.31.0.1/24
if ip link show dev veth-far-host | awk -v mark=nsgen:gretap '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-far-host; fi
# gretap.ns:18  ns green
if grep -qx '+ netns green' /run/nsgen/labs/gretap/record 2>/dev/null; then ip netns del green; fi
# gretap.ns:17  ns far
if grep -qx '+ netns far' /run/nsgen/labs/gretap/record 2>/dev/null; then ip netns del far; fi
# gretap.ns:14  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/gretap/record 2>/dev/null; then ip netns del blue; fi
# gretap.ns:13  ns red
if grep -qx '+ netns red' /run/nsgen/labs/gretap/record 2>/dev/null; then ip netns del red; fi
# gretap.ns:7  ns site2
if grep -qx '+ netns site2' /run/nsgen/labs/gretap/record 2>/dev/null; then ip netns del site2; fi
# gretap.ns:6  ns site1
if grep -qx '+ netns site1' /run/nsgen/labs/gretap/record 2>/dev/null; then ip netns del site1; fi
# gretap.ns:22  gretap gt7 remote 172.31.0.2 local 172.31.0.1 dev veth-far-host bridge br7
if ip link show dev gt7 | awk -v mark=nsgen:gretap '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev gt7; fi
# gretap.ns:20  bridge br7 ip 10.7.0.254/24
if ip link show dev br7 | awk -v mark=nsgen:gretap '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br7; fi
# the lab's record
rm -f /run/nsgen/labs/gretap/record /run/nsgen/labs/gretap/source
rmdir /run/nsgen/labs/gretap /run/nsgen/labs /run/nsgen 2>/dev/null || true
