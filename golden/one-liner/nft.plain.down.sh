#!/usr/bin/env bash
# Teardown of nsgen lab 'one-liner', compiled from one-liner.ns (target nft, plain style).
# Removes what the setup script creates (namespace red; bridge v-net-0; veth pair
# veth-red-br/veth-red; rules in nft table inet nsgen-one-liner (masquerade 192.168.15.0/24);
# net.ipv4.ip_forward=1), in reverse order, and restores the sysctls it set. Plain style: run it once,
# after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: nft table inet nsgen-one-liner
nft delete table inet nsgen-one-liner
# one-liner.ns:1  veth red<->v-net-0 ip 192.168.15.1
if ip link show dev veth-red-br | awk -v mark=nsgen:one-liner '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-red-br; fi
# one-liner.ns:1  ns red
if grep -qx '+ netns red' /run/nsgen/labs/one-liner/record 2>/dev/null; then ip netns del red; fi
# one-liner.ns:1  veth red<->v-net-0 ip 192.168.15.1
if ip link show dev v-net-0 | awk -v mark=nsgen:one-liner '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev v-net-0; fi
# restore net.ipv4.ip_forward
rm -f /run/nsgen/host/net.ipv4.ip_forward/one-liner
if [ "$(ls -A /run/nsgen/host/net.ipv4.ip_forward 2>/dev/null)" = value ]; then # no other lab needs it changed
  cat /run/nsgen/host/net.ipv4.ip_forward/value >/proc/sys/net/ipv4/ip_forward
  rm -f /run/nsgen/host/net.ipv4.ip_forward/value
  rmdir /run/nsgen/host/net.ipv4.ip_forward /run/nsgen/host /run/nsgen 2>/dev/null || true
fi
# the lab's record
rm -f /run/nsgen/labs/one-liner/record /run/nsgen/labs/one-liner/source
rmdir /run/nsgen/labs/one-liner /run/nsgen/labs /run/nsgen 2>/dev/null || true
