#!/usr/bin/env bash
# Teardown of nsgen lab 'forward-paths', compiled from forward-paths.ns (target nft, plain style).
# Removes what the setup script creates (namespaces red, blue, far; bridges br0, br1; veth pairs
# veth-red-br/veth-red, veth-blue-br/veth-blue, veth-far-br/veth-far; routes in blue to default; in
# red to default; in far to default; rules in nft table inet nsgen-forward-paths (accept across br0,
# tcp 8080 -> 10.0.0.2:80); net.ipv4.ip_forward=1), in reverse order, and restores the sysctls it set.
# Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: nft table inet nsgen-forward-paths
nft delete table inet nsgen-forward-paths
# forward-paths.ns:11  veth far<->br1 ip 10.0.1.1/24
if ip link show dev veth-far-br | awk -v mark=nsgen:forward-paths '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-far-br; fi
# forward-paths.ns:10  veth blue<->br0 ip 10.0.0.2/24
if ip link show dev veth-blue-br | awk -v mark=nsgen:forward-paths '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-blue-br; fi
# forward-paths.ns:9  veth red<->br0 ip 10.0.0.1/24
if ip link show dev veth-red-br | awk -v mark=nsgen:forward-paths '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-red-br; fi
# forward-paths.ns:6  ns far
if grep -qx '+ netns far' /run/nsgen/labs/forward-paths/record 2>/dev/null; then ip netns del far; fi
# forward-paths.ns:5  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/forward-paths/record 2>/dev/null; then ip netns del blue; fi
# forward-paths.ns:4  ns red
if grep -qx '+ netns red' /run/nsgen/labs/forward-paths/record 2>/dev/null; then ip netns del red; fi
# forward-paths.ns:8  bridge br1 ip 10.0.1.254/24
if ip link show dev br1 | awk -v mark=nsgen:forward-paths '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br1; fi
# forward-paths.ns:7  bridge br0 ip 10.0.0.254/24
if ip link show dev br0 | awk -v mark=nsgen:forward-paths '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br0; fi
# restore net.ipv4.ip_forward
rm -f /run/nsgen/host/net.ipv4.ip_forward/forward-paths
if [ "$(ls -A /run/nsgen/host/net.ipv4.ip_forward 2>/dev/null)" = value ]; then # no other lab needs it changed
  cat /run/nsgen/host/net.ipv4.ip_forward/value >/proc/sys/net/ipv4/ip_forward
  rm -f /run/nsgen/host/net.ipv4.ip_forward/value
  rmdir /run/nsgen/host/net.ipv4.ip_forward /run/nsgen/host /run/nsgen 2>/dev/null || true
fi
# the lab's record
rm -f /run/nsgen/labs/forward-paths/record /run/nsgen/labs/forward-paths/source
rmdir /run/nsgen/labs/forward-paths /run/nsgen/labs /run/nsgen 2>/dev/null || true
