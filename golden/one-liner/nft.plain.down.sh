#!/usr/bin/env bash
# Teardown of nsgen lab 'one-liner', compiled from one-liner.ns (target nft, plain style).
# Removes what the setup script creates (namespace red; bridge v-net-0; veth pair
# veth-red-br/veth-red; rules in nft table ip nsgen-one-liner (masquerade 192.168.15.0/24);
# net.ipv4.ip_forward=1), in reverse order, and restores the sysctls it set. Plain style: run it once,
# after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: nft table ip nsgen-one-liner
nft delete table ip nsgen-one-liner
# one-liner.ns:1  ns red
ip netns del red
# one-liner.ns:1  veth red<->v-net-0 ip 192.168.15.1
if ip link show dev v-net-0 | awk -v mark=nsgen:one-liner '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev v-net-0; fi
# restore net.ipv4.ip_forward
cat /run/nsgen/one-liner/net.ipv4.ip_forward >/proc/sys/net/ipv4/ip_forward
rm -f /run/nsgen/one-liner/net.ipv4.ip_forward
rmdir /run/nsgen/one-liner /run/nsgen 2>/dev/null || true
