#!/usr/bin/env bash
# Teardown of nsgen lab 'bridge-in-ns', compiled from bridge-in-ns.ns (target iptables, plain style).
# Removes what the setup script creates (namespaces r1, red, blue; bridges v-net, br0; veth pairs
# veth-red/veth-red-br, veth-blue/veth-blue-br, veth-r1-br/veth-r1; routes in red to default; in the
# host to 10.0.3.0/24), in reverse order, and restores the sysctls it set. Plain style: run it once,
# after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# bridge-in-ns.ns:14  route host 10.0.3.0/24 via 10.0.9.1
ip route del 10.0.3.0/24 via 10.0.9.1
# bridge-in-ns.ns:11  veth r1<->v-net ip 10.0.9.1/24
if ip link show dev veth-r1-br | awk -v mark=nsgen:bridge-in-ns '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-r1-br; fi
# bridge-in-ns.ns:6  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/bridge-in-ns/record 2>/dev/null; then ip netns del blue; fi
# bridge-in-ns.ns:5  ns red
if grep -qx '+ netns red' /run/nsgen/labs/bridge-in-ns/record 2>/dev/null; then ip netns del red; fi
# bridge-in-ns.ns:4  ns r1
if grep -qx '+ netns r1' /run/nsgen/labs/bridge-in-ns/record 2>/dev/null; then ip netns del r1; fi
# bridge-in-ns.ns:7  bridge v-net ip 10.0.9.254/24
if ip link show dev v-net | awk -v mark=nsgen:bridge-in-ns '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev v-net; fi
# the lab's record
rm -f /run/nsgen/labs/bridge-in-ns/record /run/nsgen/labs/bridge-in-ns/source
rmdir /run/nsgen/labs/bridge-in-ns /run/nsgen/labs /run/nsgen 2>/dev/null || true
