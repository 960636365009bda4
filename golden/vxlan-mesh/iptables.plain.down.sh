#!/usr/bin/env bash
# Teardown of nsgen lab 'vxlan-mesh', compiled from vxlan-mesh.ns (target iptables, plain style).
# Removes what the setup script creates (namespaces site1, site2, site3, lan3; bridges under, br0;
# veth pairs veth-site1-br/eth1, veth-site2-br/eth1, veth-site3-br/eth1, veth-lan3/veth-lan3-br; rules
# in iptables chains nsgen-vxlan-mesh-* (accept across under)), in reverse order, and restores the
# sysctls it set. Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: iptables chains nsgen-vxlan-mesh-*
iptables -t filter -D FORWARD -j nsgen-vxlan-mesh-fwd
iptables -t filter -F nsgen-vxlan-mesh-fwd
iptables -t filter -X nsgen-vxlan-mesh-fwd
# vxlan-mesh.ns:13  veth site3:eth1<->under ip 172.30.0.3/24
if ip link show dev veth-site3-br | awk -v mark=nsgen:vxlan-mesh '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-site3-br; fi
# vxlan-mesh.ns:12  veth site2:eth1<->under ip 172.30.0.2/24
if ip link show dev veth-site2-br | awk -v mark=nsgen:vxlan-mesh '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-site2-br; fi
# vxlan-mesh.ns:11  veth site1:eth1<->under ip 172.30.0.1/24
if ip link show dev veth-site1-br | awk -v mark=nsgen:vxlan-mesh '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-site1-br; fi
# vxlan-mesh.ns:9  ns lan3
if grep -qx '+ netns lan3' /run/nsgen/labs/vxlan-mesh/record 2>/dev/null; then ip netns del lan3; fi
# vxlan-mesh.ns:8  ns site3
if grep -qx '+ netns site3' /run/nsgen/labs/vxlan-mesh/record 2>/dev/null; then ip netns del site3; fi
# vxlan-mesh.ns:7  ns site2
if grep -qx '+ netns site2' /run/nsgen/labs/vxlan-mesh/record 2>/dev/null; then ip netns del site2; fi
# vxlan-mesh.ns:6  ns site1
if grep -qx '+ netns site1' /run/nsgen/labs/vxlan-mesh/record 2>/dev/null; then ip netns del site1; fi
# vxlan-mesh.ns:10  bridge under
if ip link show dev under | awk -v mark=nsgen:vxlan-mesh '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev under; fi
# the lab's record
rm -f /run/nsgen/labs/vxlan-mesh/record /run/nsgen/labs/vxlan-mesh/source
rmdir /run/nsgen/labs/vxlan-mesh /run/nsgen/labs /run/nsgen 2>/dev/null || true
