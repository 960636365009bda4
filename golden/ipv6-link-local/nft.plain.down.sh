#!/usr/bin/env bash
# Teardown of nsgen lab 'ipv6-link-local', compiled from ipv6-link-local.ns (target nft, plain style).
# Removes what the setup script creates (namespaces red, blue; bridge br0; veth pairs
# veth-red-br/veth-red, veth-blue-br/veth-blue; rules in nft table inet nsgen-ipv6-link-local (accept
# across br0)), in reverse order, and restores the sysctls it set. Plain style: run it once, after the
# plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: nft table inet nsgen-ipv6-link-local
nft delete table inet nsgen-ipv6-link-local
# ipv6-link-local.ns:8  veth blue<->br0 ip 10.9.0.3/24
if ip link show dev veth-blue-br | awk -v mark=nsgen:ipv6-link-local '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-blue-br; fi
# ipv6-link-local.ns:7  veth red<->br0 ip 10.9.0.2/24
if ip link show dev veth-red-br | awk -v mark=nsgen:ipv6-link-local '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-red-br; fi
# ipv6-link-local.ns:5  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/ipv6-link-local/record 2>/dev/null; then ip netns del blue; fi
# ipv6-link-local.ns:4  ns red
if grep -qx '+ netns red' /run/nsgen/labs/ipv6-link-local/record 2>/dev/null; then ip netns del red; fi
# ipv6-link-local.ns:6  bridge br0 ip 10.9.0.1/24
if ip link show dev br0 | awk -v mark=nsgen:ipv6-link-local '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br0; fi
# the lab's record
rm -f /run/nsgen/labs/ipv6-link-local/record /run/nsgen/labs/ipv6-link-local/source
rmdir /run/nsgen/labs/ipv6-link-local /run/nsgen/labs /run/nsgen 2>/dev/null || true
