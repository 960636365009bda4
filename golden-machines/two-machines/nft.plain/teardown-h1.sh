#!/usr/bin/env bash
# Teardown of nsgen lab 'two-machines', compiled from two-machines.ns (target nft, plain style).
# Removes what the setup script creates (namespace red; bridge lan; veth pairs veth-red-br/veth-red,
# veth-host-br/gw; rules in nft table inet nsgen-two-machines (accept across lan, masquerade
# 10.60.0.0/24); net.ipv4.ip_forward=1), in reverse order, and restores the sysctls it set. Plain
# style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: nft table inet nsgen-two-machines
nft delete table inet nsgen-two-machines
# two-machines.ns:9  veth red<->lan ip 10.60.0.1/24
if ip link show dev veth-red-br | awk -v mark=nsgen:two-machines '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-red-br; fi
# two-machines.ns:8  ns red
if grep -qx '+ netns red' /run/nsgen/labs/two-machines/record 2>/dev/null; then ip netns del red; fi
# two-machines.ns:5  bridge lan
if ip link show dev vx10001 | awk -v mark=nsgen:two-machines '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev vx10001; fi
# two-machines.ns:10  veth host:gw<->lan ip 10.60.0.254/24
if ip link show dev veth-host-br | awk -v mark=nsgen:two-machines '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-host-br; fi
# two-machines.ns:5  bridge lan
if ip link show dev lan | awk -v mark=nsgen:two-machines '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev lan; fi
# restore net.ipv4.ip_forward
rm -f /run/nsgen/host/net.ipv4.ip_forward/two-machines
if [ "$(ls -A /run/nsgen/host/net.ipv4.ip_forward 2>/dev/null)" = value ]; then # no other lab needs it changed
  cat /run/nsgen/host/net.ipv4.ip_forward/value >/proc/sys/net/ipv4/ip_forward
  rm -f /run/nsgen/host/net.ipv4.ip_forward/value
  rmdir /run/nsgen/host/net.ipv4.ip_forward /run/nsgen/host /run/nsgen 2>/dev/null || true
fi
# the lab's record
rm -f /run/nsgen/labs/two-machines/record /run/nsgen/labs/two-machines/source
rmdir /run/nsgen/labs/two-machines /run/nsgen/labs /run/nsgen 2>/dev/null || true
