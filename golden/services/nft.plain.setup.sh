#!/usr/bin/env bash
# Setup of nsgen lab 'services', compiled from services.ns (target nft, plain style).
# Creates namespaces red, blue; bridge br0; veth pairs veth-red-br/veth-red, veth-blue-br/veth-blue;
# nft table inet nsgen-services; process `python3 -m http.server 8000 --bind 10.0.0.1` in red; process
# `sh -c echo started; exec sleep 1000 quoted word` in blue.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain services.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/services # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/services/source 2>/dev/null || echo services.ns)" != services.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/services/source >&2; exit 1; fi
echo services.ns >/run/nsgen/labs/services/source
# services.ns:3  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/services/record
ip -n red link set dev lo up
# services.ns:4  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/services/record
ip -n blue link set dev lo up
# services.ns:5  bridge br0 ip 10.0.0.254/24
ip link add name br0 up type bridge
ip link set dev br0 alias nsgen:services # nsgen's teardown deletes only links with this mark
ip addr replace 10.0.0.254/24 dev br0
# services.ns:6  veth red<->br0 ip 10.0.0.1/24
ip link add name veth-red-br master br0 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:services # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 10.0.0.1/24 dev veth-red
# services.ns:7  veth blue<->br0 ip 10.0.0.2/24
ip link add name veth-blue-br master br0 up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:services # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue addrgenmode none up
ip -n blue addr replace 10.0.0.2/24 dev veth-blue
# firewall: nft table inet nsgen-services; first, accept what crosses the lab's bridges (the forward hook sees it when br_netfilter is on)
nft -f - <<'RULES'
add table inet nsgen-services
add chain inet nsgen-services forward { type filter hook forward priority filter; policy accept; }
add rule inet nsgen-services forward iifname "br0" oifname "br0" accept comment "services.ns:5"
RULES
# services.ns:8  run red python3 -m http.server 8000 --bind 10.0.0.1
mkdir -p /run/nsgen/labs/services/run # its pid (and start time) and its output are kept here
setsid ip netns exec red python3 -m http.server 8000 --bind 10.0.0.1 </dev/null >>/run/nsgen/labs/services/run/red-d695f445b0.log 2>&1 &
echo "$! $(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$!/stat")" >/run/nsgen/labs/services/run/red-d695f445b0.pid
# services.ns:9  run blue sh -c "echo started; exec sleep 1000" 'quoted word'
mkdir -p /run/nsgen/labs/services/run # its pid (and start time) and its output are kept here
setsid ip netns exec blue sh -c 'echo started; exec sleep 1000' 'quoted word' </dev/null >>/run/nsgen/labs/services/run/blue-5be4c08394.log 2>&1 &
echo "$! $(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$!/stat")" >/run/nsgen/labs/services/run/blue-5be4c08394.pid
