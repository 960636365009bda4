#!/usr/bin/env bash
# Setup of nsgen lab 'router-host', compiled from router-host.ns (target nft, plain style).
# Creates namespaces red, blue; veth pairs veth-red-host/veth-red, veth-blue-host/veth-blue; routes in
# red, blue, the host; net.ipv4.ip_forward=1; net.ipv4.conf.all.rp_filter=2.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain router-host.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/router-host /run/nsgen/host/net.ipv4.ip_forward /run/nsgen/host/net.ipv4.conf.all.rp_filter # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/router-host/source 2>/dev/null || echo router-host.ns)" != router-host.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/router-host/source >&2; exit 1; fi
echo router-host.ns >/run/nsgen/labs/router-host/source
# router-host.ns:3  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/router-host/record
ip -n red link set dev lo up
# router-host.ns:4  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/router-host/record
ip -n blue link set dev lo up
# router-host.ns:5  veth red<->host ip 10.0.1.2/24, 10.0.1.1/24
ip link add name veth-red-host up type veth peer name veth-red netns red
ip link set dev veth-red-host alias nsgen:router-host # nsgen's teardown deletes only links with this mark
ip addr replace 10.0.1.1/24 dev veth-red-host
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 10.0.1.2/24 dev veth-red
# router-host.ns:6  veth blue<->host ip 10.0.2.2/24, 10.0.2.1/24
ip link add name veth-blue-host up type veth peer name veth-blue netns blue
ip link set dev veth-blue-host alias nsgen:router-host # nsgen's teardown deletes only links with this mark
ip addr replace 10.0.2.1/24 dev veth-blue-host
ip -n blue link set dev veth-blue addrgenmode none up
ip -n blue addr replace 10.0.2.2/24 dev veth-blue
# router-host.ns:9  address host:veth-blue-host 10.0.5.1/24
ip addr replace 10.0.5.1/24 dev veth-blue-host
# router-host.ns:10  address blue:lo 10.0.9.1/32
ip -n blue addr replace 10.0.9.1/32 dev lo
# router-host.ns:11  route red default via 10.0.1.1
ip -n red route add default via 10.0.1.1
# router-host.ns:12  route blue default via 10.0.2.1
ip -n blue route add default via 10.0.2.1
# router-host.ns:13  route host 10.0.9.1 via 10.0.2.2 metric 10
ip route add 10.0.9.1/32 via 10.0.2.2 metric 10
# net.ipv4.ip_forward=1 (`router host`: the host forwards between the lab's subnets; the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
echo 1 >/run/nsgen/host/net.ipv4.ip_forward/router-host
echo 1 >/proc/sys/net/ipv4/ip_forward
# net.ipv4.conf.all.rp_filter=2 (router-host.ns:8 sets it; the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv4.conf.all.rp_filter/value ] || { cat /proc/sys/net/ipv4/conf/all/rp_filter >/run/nsgen/host/net.ipv4.conf.all.rp_filter/value.new && mv /run/nsgen/host/net.ipv4.conf.all.rp_filter/value.new /run/nsgen/host/net.ipv4.conf.all.rp_filter/value; }
echo 2 >/run/nsgen/host/net.ipv4.conf.all.rp_filter/router-host
echo 2 >/proc/sys/net/ipv4/conf/all/rp_filter
