#!/usr/bin/env bash
# Setup of nsgen lab 'jumbo', compiled from bridge-mtu.ns (target nft, plain style).
# Creates namespace a; bridge br0; veth pair veth-a-br/eth0.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain bridge-mtu.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/jumbo # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/jumbo/source 2>/dev/null || echo bridge-mtu.ns)" != bridge-mtu.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/jumbo/source >&2; exit 1; fi
echo bridge-mtu.ns >/run/nsgen/labs/jumbo/source
# bridge-mtu.ns:4  ns a
ip netns add a; echo '+ netns a' >>/run/nsgen/labs/jumbo/record
ip -n a link set dev lo up
# bridge-mtu.ns:3  bridge br0 ip 10.1.0.1/16 mtu 9000
ip link add name br0 mtu 9000 up type bridge
ip link set dev br0 alias nsgen:jumbo # nsgen's teardown deletes only links with this mark
ip addr replace 10.1.0.1/16 dev br0
# bridge-mtu.ns:5  veth a:eth0<->br0 ip 10.1.0.2 mtu 9000
ip link add name veth-a-br master br0 mtu 9000 up type veth peer name eth0 netns a
ip link set dev veth-a-br alias nsgen:jumbo # nsgen's teardown deletes only links with this mark
ip -n a link set dev eth0 addrgenmode none mtu 9000 up
ip -n a addr replace 10.1.0.2/16 dev eth0
