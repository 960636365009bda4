#!/usr/bin/env bash
# Setup of nsgen lab 'three-machines', compiled from three-machines.ns (target nft, plain style).
# Creates namespace blue; bridge lan; veth pair veth-blue-br/veth-blue; nft table inet
# nsgen-three-machines.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain three-machines.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/three-machines # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/three-machines/source 2>/dev/null || echo three-machines.ns)" != three-machines.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/three-machines/source >&2; exit 1; fi
echo three-machines.ns >/run/nsgen/labs/three-machines/source
# three-machines.ns:15  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/three-machines/record
ip -n blue link set dev lo up
# three-machines.ns:7  bridge lan
ip link add name lan mtu 1450 up type bridge
ip link set dev lan alias nsgen:three-machines # nsgen's teardown deletes only links with this mark
# three-machines.ns:16  veth blue<->lan ip 10.61.0.2/24
ip link add name veth-blue-br master lan mtu 1450 up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:three-machines # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue addrgenmode none mtu 1450 up
ip -n blue addr replace 10.61.0.2/24 dev veth-blue
# three-machines.ns:7  bridge lan
ip link add name vx10001 master lan mtu 1450 up type vxlan id 10001 local 172.30.0.2 dstport 4789
ip link set dev vx10001 alias nsgen:three-machines # nsgen's teardown deletes only links with this mark
bridge fdb append 00:00:00:00:00:00 dev vx10001 dst 172.30.0.1
bridge fdb append 00:00:00:00:00:00 dev vx10001 dst 172.30.0.3
# firewall: nft table inet nsgen-three-machines; first, accept what crosses the lab's bridges (the forward hook sees it when br_netfilter is on)
nft -f - <<'RULES'
add table inet nsgen-three-machines
add chain inet nsgen-three-machines forward { type filter hook forward priority filter; policy accept; }
add rule inet nsgen-three-machines forward iifname "lan" oifname "lan" accept comment "three-machines.ns:7"
RULES
