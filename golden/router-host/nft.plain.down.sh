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
# router-host.ns:6  veth blue<->host ip 10.0.2.2/24, 10.0.2.1/24
if ip link show dev veth-blue-host | awk -v mark=nsgen:router-host '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-blue-host; fi
# router-host.ns:5  veth red<->host ip 10.0.1.2/24, 10.0.1.1/24
if ip link show dev veth-red-host | awk -v mark=nsgen:router-host '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-red-host; fi
# router-host.ns:4  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/router-host/record 2>/dev/null; then ip netns del blue; fi
# router-host.ns:3  ns red
if grep -qx '+ netns red' /run/nsgen/labs/router-host/record 2>/dev/null; then ip netns del red; fi
# restore net.ipv4.conf.all.rp_filter
rm -f /run/nsgen/host/net.ipv4.conf.all.rp_filter/router-host
if [ "$(ls -A /run/nsgen/host/net.ipv4.conf.all.rp_filter 2>/dev/null)" = value ]; then # no other lab needs it changed
  cat /run/nsgen/host/net.ipv4.conf.all.rp_filter/value >/proc/sys/net/ipv4/conf/all/rp_filter
  rm -f /run/nsgen/host/net.ipv4.conf.all.rp_filter/value
  rmdir /run/nsgen/host/net.ipv4.conf.all.rp_filter /run/nsgen/host /run/nsgen 2>/dev/null || true
fi
# restore net.ipv4.ip_forward
rm -f /run/nsgen/host/net.ipv4.ip_forward/router-host
if [ "$(ls -A /run/nsgen/host/net.ipv4.ip_forward 2>/dev/null)" = value ]; then # no other lab needs it changed
  cat /run/nsgen/host/net.ipv4.ip_forward/value >/proc/sys/net/ipv4/ip_forward
  rm -f /run/nsgen/host/net.ipv4.ip_forward/value
  rmdir /run/nsgen/host/net.ipv4.ip_forward /run/nsgen/host /run/nsgen 2>/dev/null || true
fi
# the lab's record
rm -f /run/nsgen/labs/router-host/record /run/nsgen/labs/router-host/source
rmdir /run/nsgen/labs/router-host /run/nsgen/labs /run/nsgen 2>/dev/null || true
