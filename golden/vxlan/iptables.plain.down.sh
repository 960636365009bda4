#!/usr/bin/env bash
# Teardown of nsgen lab 'vxlan', compiled from vxlan.ns (target iptables, plain style).
# Removes what the setup script creates (namespaces site1, site2, far, red; bridge br7; veth pairs
# eth1/eth1, veth-far-host/veth-far, veth-red-br/veth-red; rules in iptables chains nsgen-vxlan-*
# (accept across br7)), in reverse order, and restores the sysctls it set. Plain style: run it once,
# after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: iptables chains nsgen-vxlan-*
iptables -t filter -D FORWARD -j nsgen-vxlan-fwd
iptables -t filter -F nsgen-vxlan-fwd
iptables -t filter -X nsgen-vxlan-fwd
# vxlan.ns:13  veth red<->br7 ip 10.7.0.1/24 mtu 1450
if ip link show dev veth-red-br | awk -v mark=nsgen:vxlan '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-red-br; fi
# vxlan.ns:11  veth far<->host ip 172.31.0.2/24, 172.31.0.1/24
if ip link show dev veth-far-host | awk -v mark=nsgen:vxlan '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-far-host; fi
# vxlan.ns:10  ns red
if grep -qx '+ netns red' /run/nsgen/labs/vxlan/record 2>/dev/null; then ip netns del red; fi
# vxlan.ns:9  ns far
if grep -qx '+ netns far' /run/nsgen/labs/vxlan/record 2>/dev/null; then ip netns del far; fi
# vxlan.ns:5  ns site2
if grep -qx '+ netns site2' /run/nsgen/labs/vxlan/record 2>/dev/null; then ip netns del site2; fi
# vxlan.ns:4  ns site1
if grep -qx '+ netns site1' /run/nsgen/labs/vxlan/record 2>/dev/null; then ip netns del site1; fi
# vxlan.ns:14  vxlan vx7 id 7 remote 172.31.0.2 dev veth-far-host bridge br7
if ip link show dev vx7 | awk -v mark=nsgen:vxlan '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev vx7; fi
# vxlan.ns:12  bridge br7 ip 10.7.0.254/24
if ip link show dev br7 | awk -v mark=nsgen:vxlan '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br7; fi
# the lab's record
rm -f /run/nsgen/labs/vxlan/record /run/nsgen/labs/vxlan/source
rmdir /run/nsgen/labs/vxlan /run/nsgen/labs /run/nsgen 2>/dev/null || true
