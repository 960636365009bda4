#!/usr/bin/env bash
# Teardown of nsgen lab 'seed', compiled from seed.ns (target nft, plain style).
# Removes what the setup script creates (namespaces red, blue; bridge v-net-0; veth pairs
# veth-red-br/veth-red, veth-blue-br/veth-blue; routes in blue to 192.168.1.0/24, default; in red to
# default; rules in nft table inet nsgen-seed (accept across v-net-0, masquerade 192.168.15.0/24, tcp
# 80 -> 192.168.15.2:80); net.ipv4.ip_forward=1), in reverse order, and restores the sysctls it set.
# Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: nft table inet nsgen-seed
nft delete table inet nsgen-seed
# seed.ns:14  veth blue<->v-net-0 ip 192.168.15.2/24
if ip link show dev veth-blue-br | awk -v mark=nsgen:seed '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-blue-br; fi
# seed.ns:13  veth red<->v-net-0 ip 192.168.15.1/24
if ip link show dev veth-red-br | awk -v mark=nsgen:seed '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-red-br; fi
# seed.ns:10  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/seed/record 2>/dev/null; then ip netns del blue; fi
# seed.ns:9  ns red
if grep -qx '+ netns red' /run/nsgen/labs/seed/record 2>/dev/null; then ip netns del red; fi
# seed.ns:12  bridge v-net-0 ip 192.168.15.5/24
if ip link show dev v-net-0 | awk -v mark=nsgen:seed '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev v-net-0; fi
# restore net.ipv4.ip_forward
rm -f /run/nsgen/host/net.ipv4.ip_forward/seed
if [ "$(ls -A /run/nsgen/host/net.ipv4.ip_forward 2>/dev/null)" = value ]; then # no other lab needs it changed
  cat /run/nsgen/host/net.ipv4.ip_forward/value >/proc/sys/net/ipv4/ip_forward
  rm -f /run/nsgen/host/net.ipv4.ip_forward/value
  rmdir /run/nsgen/host/net.ipv4.ip_forward /run/nsgen/host /run/nsgen 2>/dev/null || true
fi
# the lab's record
rm -f /run/nsgen/labs/seed/record /run/nsgen/labs/seed/source
rmdir /run/nsgen/labs/seed /run/nsgen/labs /run/nsgen 2>/dev/null || true
