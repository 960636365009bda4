#!/usr/bin/env bash
# Setup of nsgen lab 'router', compiled from router.ns (target iptables, plain style).
# Creates namespaces red, r1, blue; veth pairs veth-red/veth-r1, a/type; routes in red, blue.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain router.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/router # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/router/source 2>/dev/null || echo router.ns)" != router.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/router/source >&2; exit 1; fi
echo router.ns >/run/nsgen/labs/router/source
# router.ns:3  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/router/record
ip -n red link set dev lo up
# router.ns:4  ns r1
ip netns add r1; echo '+ netns r1' >>/run/nsgen/labs/router/record
ip -n r1 link set dev lo up
# router.ns:5  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/router/record
ip -n blue link set dev lo up
# router.ns:6  veth red<->r1 ip 10.0.1.2/24, 10.0.1.1/24 mac 02:00:00:00:01:02, 02:00:00:00:01:01
ip -n red link add name veth-red type veth peer name veth-r1 netns r1
ip -n red link set dev veth-red addrgenmode none
ip -n red link set dev veth-red address 02:00:00:00:01:02
ip -n red link set dev veth-red up
ip -n red addr replace 10.0.1.2/24 dev veth-red
ip -n r1 link set dev veth-r1 addrgenmode none
ip -n r1 link set dev veth-r1 address 02:00:00:00:01:01
ip -n r1 link set dev veth-r1 up
ip -n r1 addr replace 10.0.1.1/24 dev veth-r1
# router.ns:7  veth r1:a<->blue:type ip 10.0.2.1/24, 10.0.2.2/24 mtu 1400
ip -n r1 link add name a mtu 1400 type veth peer name type netns blue
ip -n r1 link set dev a addrgenmode none mtu 1400 up
ip -n r1 addr replace 10.0.2.1/24 dev a
ip -n blue link set dev type addrgenmode none mtu 1400 up
ip -n blue addr replace 10.0.2.2/24 dev type
# router.ns:10  address r1:lo 10.255.0.1/32
ip -n r1 addr replace 10.255.0.1/32 dev lo
# router.ns:11  address r1:lo 10.255.1.1/32
ip -n r1 addr replace 10.255.1.1/32 dev lo
# router.ns:12  address r1:a 169.254.1.1/32
ip -n r1 addr replace 169.254.1.1/32 dev a
# router.ns:13  route red default via 10.0.1.1 metric 100
ip -n red route add default via 10.0.1.1 metric 100
# router.ns:14  route red default via 10.0.1.9 metric 200
ip -n red route add default via 10.0.1.9 metric 200
# router.ns:15  route blue 10.0.1.0/24 via 10.0.2.1 dev type
ip -n blue route add 10.0.1.0/24 via 10.0.2.1 dev type
# router.ns:16  route blue 10.255.0.1 dev type
ip -n blue route add 10.255.0.1/32 dev type
# router.ns:17  route blue default via 169.254.1.1 dev type onlink
ip -n blue route add default via 169.254.1.1 dev type onlink
# router.ns:8  router r1
ip netns exec r1 sysctl -qw net.ipv4.ip_forward=1
# router.ns:9  sysctl r1 net.ipv4.conf.all.rp_filter=0
ip netns exec r1 sysctl -qw net.ipv4.conf.all.rp_filter=0
