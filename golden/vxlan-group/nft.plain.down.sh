#!/usr/bin/env bash
# Teardown of nsgen lab 'vxlan-group', compiled from vxlan-group.ns (target nft, plain style).
# Removes what the setup script creates (namespaces site1, site2, site3, lan3; bridges under, br0;
# veth pairs veth-site1-br/eth1, veth-site2-br/eth1, veth-site3-br/eth1, veth-lan3/veth-lan3-br; rules
# in nft table inet nsgen-vxlan-group (accept across under)), in reverse order, and restores the
# sysctls it set. Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: nft table inet nsgen-vxlan-group
nft delete table inet nsgen-vxlan-group
# vxlan-group.ns:12  veth site3:eth1<->under ip 172.30.0.3/24
if ip link show dev veth-site3-br | awk -v mark=nsgen:vxlan-group '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-site3-br; fi
# vxlan-group.ns:11  veth site2:eth1<->under ip 172.30.0.2/24
if ip link show dev veth-site2-br | awk -v mark=nsgen:vxlan-group '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-site2-br; fi
# vxlan-group.ns:10  veth site1:eth1<->under ip 172.30.0.1/24
if ip link show dev veth-site1-br | awk -v mark=nsgen:vxlan-group '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-site1-br; fi
# vxlan-group.ns:8  ns lan3
if grep -qx '+ netns lan3' /run/nsgen/labs/vxlan-group/record 2>/dev/null; then ip netns del lan3; fi
# vxlan-group.ns:7  ns site3
if grep -qx '+ netns site3' /run/nsgen/labs/vxlan-group/record 2>/dev/null; then ip netns del site3; fi
# vxlan-group.ns:6  ns site2
if grep -qx '+ netns site2' /run/nsgen/labs/vxlan-group/record 2>/dev/null; then ip netns del site2; fi
# vxlan-group.ns:5  ns site1
if grep -qx '+ netns site1' /run/nsgen/labs/vxlan-group/record 2>/dev/null; then ip netns del site1; fi
# vxlan-group.ns:9  bridge under
if ip link show dev under | awk -v mark=nsgen:vxlan-group '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev under; fi
# the lab's record
rm -f /run/nsgen/labs/vxlan-group/record /run/nsgen/labs/vxlan-group/source
rmdir /run/nsgen/labs/vxlan-group /run/nsgen/labs /run/nsgen 2>/dev/null || true
