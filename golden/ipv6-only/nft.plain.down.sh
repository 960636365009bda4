#!/usr/bin/env bash
# Teardown of nsgen lab 'v6only', compiled from ipv6-only.ns (target nft, plain style).
# Removes what the setup script creates (namespaces a, r, b; bridge br6; veth pairs veth-a-br/veth-a,
# veth-r-br/veth-r, up/down; routes in a to default, fd00:7::/64; in r to default; in b to default; in
# the host to fd00:7::/64; rules in nft table inet nsgen-v6only (accept across br6, masquerade
# fd00:6::/64, tcp 8080 -> [fd00:7::2]:80); net.ipv6.conf.all.forwarding=1), in reverse order, and
# restores the sysctls it set. Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: nft table inet nsgen-v6only
nft delete table inet nsgen-v6only
# ipv6-only.ns:21  route host fd00:7::/64 via fd00:6::3
ip route del fd00:7::/64 via fd00:6::3
# ipv6-only.ns:12  veth r<->br6 ip fd00:6::3
if ip link show dev veth-r-br | awk -v mark=nsgen:v6only '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-r-br; fi
# ipv6-only.ns:11  veth a<->br6 ip fd00:6::2/64
if ip link show dev veth-a-br | awk -v mark=nsgen:v6only '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-a-br; fi
# ipv6-only.ns:8  ns b
if grep -qx '+ netns b' /run/nsgen/labs/v6only/record 2>/dev/null; then ip netns del b; fi
# ipv6-only.ns:7  ns r
if grep -qx '+ netns r' /run/nsgen/labs/v6only/record 2>/dev/null; then ip netns del r; fi
# ipv6-only.ns:6  ns a
if grep -qx '+ netns a' /run/nsgen/labs/v6only/record 2>/dev/null; then ip netns del a; fi
# ipv6-only.ns:10  bridge br6 ip fd00:6::1/64
if ip link show dev br6 | awk -v mark=nsgen:v6only '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br6; fi
# restore net.ipv6.conf.all.forwarding
rm -f /run/nsgen/host/net.ipv6.conf.all.forwarding/v6only
if [ "$(ls -A /run/nsgen/host/net.ipv6.conf.all.forwarding 2>/dev/null)" = value ]; then # no other lab needs it changed
  cat /run/nsgen/host/net.ipv6.conf.all.forwarding/value >/proc/sys/net/ipv6/conf/all/forwarding
  rm -f /run/nsgen/host/net.ipv6.conf.all.forwarding/value
  rmdir /run/nsgen/host/net.ipv6.conf.all.forwarding /run/nsgen/host /run/nsgen 2>/dev/null || true
fi
# the lab's record
rm -f /run/nsgen/labs/v6only/record /run/nsgen/labs/v6only/source
rmdir /run/nsgen/labs/v6only /run/nsgen/labs /run/nsgen 2>/dev/null || true
