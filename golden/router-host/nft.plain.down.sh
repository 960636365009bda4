#!/usr/bin/env bash
# Teardown of nsgen lab 'router-host', compiled from router-host.ns (target nft, plain style).
# Removes what the setup script creates (namespaces red, blue; veth pairs veth-red-host/veth-red,
# veth-blue-host/veth-blue; routes in red to default; in blue to default; in the host to 10.0.9.1/32;
# net.ipv4.ip_forward=1; net.ipv4.conf.all.rp_filter=2), in reverse order, and restores the sysctls it
# set. Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# router-host.ns:13  route host 10.0.9.1 via 10.0.2.2 metric 10
ip route del 10.0.9.1/32 via 10.0.2.2 metric 10
# router-host.ns:4  ns blue
ip netns del blue
# router-host.ns:3  ns red
ip netns del red
# restore net.ipv4.conf.all.rp_filter
cat /run/nsgen/router-host/net.ipv4.conf.all.rp_filter >/proc/sys/net/ipv4/conf/all/rp_filter
rm -f /run/nsgen/router-host/net.ipv4.conf.all.rp_filter
rmdir /run/nsgen/router-host /run/nsgen 2>/dev/null || true
# restore net.ipv4.ip_forward
cat /run/nsgen/router-host/net.ipv4.ip_forward >/proc/sys/net/ipv4/ip_forward
rm -f /run/nsgen/router-host/net.ipv4.ip_forward
rmdir /run/nsgen/router-host /run/nsgen 2>/dev/null || true
