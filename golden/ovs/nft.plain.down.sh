#!/usr/bin/env bash
# Teardown of nsgen lab 'ovs', compiled from ovs.ns (target nft, plain style).
# Removes what the setup script creates (namespaces red, blue, green; bridge br0; Open vSwitch bridge
# sw0; veth pairs veth-red-br/veth-red, veth-blue-br/veth-blue, veth-br0-br/veth-sw0-br,
# veth-green-br/veth-green; route in red to default; rules in nft table inet nsgen-ovs (accept across
# br0)), in reverse order, and restores the sysctls it set. Plain style: run it once, after the plain
# setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: nft table inet nsgen-ovs
nft delete table inet nsgen-ovs
# ovs.ns:11  veth br0<->sw0
ovs-vsctl --timeout=10 --if-exists del-port sw0 veth-br0-br
# ovs.ns:10  veth blue<->sw0 ip 10.1.0.2/24 tag 30
ovs-vsctl --timeout=10 --if-exists del-port sw0 veth-blue-br
# ovs.ns:9  veth red<->sw0 ip 10.1.0.1/24
ovs-vsctl --timeout=10 --if-exists del-port sw0 veth-red-br
# ovs.ns:4  bridge sw0 type ovs ip 10.1.0.254/24
if grep -qx '+ ovsbr sw0' /run/nsgen/labs/ovs/record 2>/dev/null; then ovs-vsctl --timeout=10 --if-exists del-br sw0; fi
# ovs.ns:12  veth green<->br0 ip 10.1.0.3/24
if ip link show dev veth-green-br | awk -v mark=nsgen:ovs '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-green-br; fi
# ovs.ns:10  veth blue<->sw0 ip 10.1.0.2/24 tag 30
if ip link show dev veth-blue-br | awk -v mark=nsgen:ovs '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-blue-br; fi
# ovs.ns:9  veth red<->sw0 ip 10.1.0.1/24
if ip link show dev veth-red-br | awk -v mark=nsgen:ovs '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-red-br; fi
# ovs.ns:8  ns green
if grep -qx '+ netns green' /run/nsgen/labs/ovs/record 2>/dev/null; then ip netns del green; fi
# ovs.ns:7  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/ovs/record 2>/dev/null; then ip netns del blue; fi
# ovs.ns:6  ns red
if grep -qx '+ netns red' /run/nsgen/labs/ovs/record 2>/dev/null; then ip netns del red; fi
# ovs.ns:11  veth br0<->sw0
if ip link show dev veth-br0-br | awk -v mark=nsgen:ovs '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-br0-br; fi
# ovs.ns:5  bridge br0
if ip link show dev br0 | awk -v mark=nsgen:ovs '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br0; fi
# the lab's record
rm -f /run/nsgen/labs/ovs/record /run/nsgen/labs/ovs/source
rmdir /run/nsgen/labs/ovs /run/nsgen/labs /run/nsgen 2>/dev/null || true
