#!/usr/bin/env bash
# Teardown of nsgen lab 'jumbo', compiled from bridge-mtu.ns (target iptables, plain style).
# Removes what the setup script creates (namespace a; bridge br0; veth pair veth-a-br/eth0), in
# reverse order, and restores the sysctls it set. Plain style: run it once, after the plain setup ran
# to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# bridge-mtu.ns:5  veth a:eth0<->br0 ip 10.1.0.2 mtu 9000
if ip link show dev veth-a-br | awk -v mark=nsgen:jumbo '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-a-br; fi
# bridge-mtu.ns:4  ns a
if grep -qx '+ netns a' /run/nsgen/labs/jumbo/record 2>/dev/null; then ip netns del a; fi
# bridge-mtu.ns:3  bridge br0 ip 10.1.0.1/16 mtu 9000
if ip link show dev br0 | awk -v mark=nsgen:jumbo '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br0; fi
# the lab's record
rm -f /run/nsgen/labs/jumbo/record /run/nsgen/labs/jumbo/source
rmdir /run/nsgen/labs/jumbo /run/nsgen/labs /run/nsgen 2>/dev/null || true
