#!/usr/bin/env bash
# Setup of nsgen lab 'long-names', compiled from long-names.ns (target nft, plain style).
# Creates namespaces tenant-alpha-production, tenant-beta-production; bridge br-tenants; veth pairs
# veth-ten690b-br/veth-tenant690b, beta-br/eth0; nft table inet nsgen-long-names.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain long-names.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/long-names # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/long-names/source 2>/dev/null || echo long-names.ns)" != long-names.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/long-names/source >&2; exit 1; fi
echo long-names.ns >/run/nsgen/labs/long-names/source
# long-names.ns:5  ns tenant-alpha-production
ip netns add tenant-alpha-production; echo '+ netns tenant-alpha-production' >>/run/nsgen/labs/long-names/record
ip -n tenant-alpha-production link set dev lo up
# long-names.ns:6  ns tenant-beta-production
ip netns add tenant-beta-production; echo '+ netns tenant-beta-production' >>/run/nsgen/labs/long-names/record
ip -n tenant-beta-production link set dev lo up
# long-names.ns:4  bridge br-tenants ip 10.50.0.1/24
ip link add name br-tenants up type bridge
ip link set dev br-tenants alias nsgen:long-names # nsgen's teardown deletes only links with this mark
ip addr replace 10.50.0.1/24 dev br-tenants
# long-names.ns:7  veth tenant-alpha-production<->br-tenants ip 10.50.0.2/24
ip link add name veth-ten690b-br master br-tenants up type veth peer name veth-tenant690b netns tenant-alpha-production
ip link set dev veth-ten690b-br alias nsgen:long-names # nsgen's teardown deletes only links with this mark
ip -n tenant-alpha-production link set dev veth-tenant690b addrgenmode none up
ip -n tenant-alpha-production addr replace 10.50.0.2/24 dev veth-tenant690b
# long-names.ns:8  veth tenant-beta-production:eth0<->br-tenants:beta-br ip 10.50.0.3/24
ip link add name beta-br master br-tenants up type veth peer name eth0 netns tenant-beta-production
ip link set dev beta-br alias nsgen:long-names # nsgen's teardown deletes only links with this mark
ip -n tenant-beta-production link set dev eth0 addrgenmode none up
ip -n tenant-beta-production addr replace 10.50.0.3/24 dev eth0
# firewall: nft table inet nsgen-long-names; first, accept what crosses the lab's bridges (the forward hook sees it when br_netfilter is on)
nft -f - <<'RULES'
add table inet nsgen-long-names
add chain inet nsgen-long-names forward { type filter hook forward priority filter; policy accept; }
add rule inet nsgen-long-names forward iifname "br-tenants" oifname "br-tenants" accept comment "long-names.ns:4"
RULES
