#!/usr/bin/env bash
# Setup of nsgen lab 'gretap', compiled from gretap.ns (target nft, plain style).
# Creates namespaces site1, site2, red, blue, far, green; bridges br1, br2, br7; veth pairs eth1/eth1,
# veth-red/veth-red-br, veth-blue/veth-blue-br, veth-far-host/veth-far, veth-green-br/veth-green;
# tunnels gretap site1:gt0, gretap site2:gt0, gretap gt7, gretap far:gt7; nft table inet nsgen-gretap.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain gretap.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/gretap # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/gretap/source 2>/dev/null || echo gretap.ns)" != gretap.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/gretap/source >&2; exit 1; fi
echo gretap.ns >/run/nsgen/labs/gretap/source
# gretap.ns:6  ns site1
ip netns add site1; echo '+ netns site1' >>/run/nsgen/labs/gretap/record
ip -n site1 link set dev lo up
# gretap.ns:7  ns site2
ip netns add site2; echo '+ netns site2' >>/run/nsgen/labs/gretap/record
ip -n site2 link set dev lo up
# gretap.ns:13  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/gretap/record
ip -n red link set dev lo up
# gretap.ns:14  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/gretap/record
ip -n blue link set dev lo up
# gretap.ns:17  ns far
ip netns add far; echo '+ netns far' >>/run/nsgen/labs/gretap/record
ip -n far link set dev lo up
# gretap.ns:18  ns green
ip netns add green; echo '+ netns green' >>/run/nsgen/labs/gretap/record
ip -n green link set dev lo up
# gretap.ns:9  bridge site1:br1
ip -n site1 link add name br1 type bridge
ip -n site1 link set dev br1 addrgenmode none
ip -n site1 link set dev br1 up
# gretap.ns:10  bridge site2:br2
ip -n site2 link add name br2 type bridge
ip -n site2 link set dev br2 addrgenmode none
ip -n site2 link set dev br2 up
# gretap.ns:20  bridge br7 ip 10.7.0.254/24
ip link add name br7 up type bridge
ip link set dev br7 alias nsgen:gretap # nsgen's teardown deletes only links with this mark
ip addr replace 10.7.0.254/24 dev br7
# gretap.ns:8  veth site1:eth1<->site2:eth1 ip 172.30.0.1/24, 172.30.0.2/24
ip -n site1 link add name eth1 type veth peer name eth1 netns site2
ip -n site1 link set dev eth1 addrgenmode none up
ip -n site1 addr replace 172.30.0.1/24 dev eth1
ip -n site2 link set dev eth1 addrgenmode none up
ip -n site2 addr replace 172.30.0.2/24 dev eth1
# gretap.ns:15  veth red<->site1:br1 ip 10.8.0.1/24 mtu 1458
ip -n red link add name veth-red mtu 1458 type veth peer name veth-red-br netns site1
ip -n red link set dev veth-red addrgenmode none mtu 1458 up
ip -n red addr replace 10.8.0.1/24 dev veth-red
ip -n site1 link set dev veth-red-br addrgenmode none master br1 mtu 1458 up
# gretap.ns:16  veth blue<->site2:br2 ip 10.8.0.2/24 mtu 1458
ip -n blue link add name veth-blue mtu 1458 type veth peer name veth-blue-br netns site2
ip -n blue link set dev veth-blue addrgenmode none mtu 1458 up
ip -n blue addr replace 10.8.0.2/24 dev veth-blue
ip -n site2 link set dev veth-blue-br addrgenmode none master br2 mtu 1458 up
# gretap.ns:19  veth far<->host ip 172.31.0.2/24, 172.31.0.1/24
ip link add name veth-far-host up type veth peer name veth-far netns far
ip link set dev veth-far-host alias nsgen:gretap # nsgen's teardown deletes only links with this mark
ip addr replace 172.31.0.1/24 dev veth-far-host
ip -n far link set dev veth-far addrgenmode none up
ip -n far addr replace 172.31.0.2/24 dev veth-far
# gretap.ns:21  veth green<->br7 ip 10.7.0.1/24 mtu 1462
ip link add name veth-green-br master br7 mtu 1462 up type veth peer name veth-green netns green
ip link set dev veth-green-br alias nsgen:gretap # nsgen's teardown deletes only links with this mark
ip -n green link set dev veth-green addrgenmode none mtu 1462 up
ip -n green addr replace 10.7.0.1/24 dev veth-green
# gretap.ns:11  gretap site1:gt0 remote 172.30.0.2 local 172.30.0.1 dev eth1 key 42 bridge br1
ip -n site1 link add name gt0 master br1 type gretap remote 172.30.0.2 local 172.30.0.1 dev eth1 key 42
ip -n site1 link set dev gt0 addrgenmode none
ip -n site1 link set dev gt0 master br1 up
# gretap.ns:12  gretap site2:gt0 remote 172.30.0.1 local 172.30.0.2 dev eth1 key 42 bridge br2
ip -n site2 link add name gt0 master br2 type gretap remote 172.30.0.1 local 172.30.0.2 dev eth1 key 42
ip -n site2 link set dev gt0 addrgenmode none
ip -n site2 link set dev gt0 master br2 up
# gretap.ns:22  gretap gt7 remote 172.31.0.2 local 172.31.0.1 dev veth-far-host bridge br7
ip link add name gt7 master br7 up type gretap remote 172.31.0.2 local 172.31.0.1 dev veth-far-host
ip link set dev gt7 alias nsgen:gretap # nsgen's teardown deletes only links with this mark
# gretap.ns:23  gretap far:gt7 remote 172.31.0.1 local 172.31.0.2 ip 10.7.0.2/24
ip -n far link add name gt7 type gretap remote 172.31.0.1 local 172.31.0.2
ip -n far link set dev gt7 addrgenmode none
ip -n far link set dev gt7 up
ip -n far addr replace 10.7.0.2/24 dev gt7
# firewall: nft table inet nsgen-gretap; first, accept what crosses the lab's bridges (the forward hook sees it when br_netfilter is on)
nft -f - <<'RULES'
add table inet nsgen-gretap
add chain inet nsgen-gretap forward { type filter hook forward priority filter; policy accept; }
add rule inet nsgen-gretap forward iifname "br7" oifname "br7" accept comment "gretap.ns:20"
RULES
