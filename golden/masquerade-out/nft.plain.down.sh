#!/usr/bin/env bash
# Teardown of nsgen lab 'masquerade-out', compiled from masquerade-out.ns (target nft, plain style).
# Removes what the setup script creates (namespace app; bridge br0; veth pair veth-app-br/veth-app;
# route in app to default; rules in nft table ip nsgen-masquerade-out (masquerade 172.20.0.0/24);
# net.ipv4.ip_forward=1), in reverse order, and restores the sysctls it set. Plain style: run it once,
# after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: nft table ip nsgen-masquerade-out
nft delete table ip nsgen-masquerade-out
# masquerade-out.ns:2  ns app
ip netns del app
# masquerade-out.ns:3  bridge br0 ip 172.20.0.1/24
if ip link show dev br0 | awk -v mark=nsgen:masquerade-out '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br0; fi
# restore net.ipv4.ip_forward
cat /run/nsgen/masquerade-out/net.ipv4.ip_forward >/proc/sys/net/ipv4/ip_forward
rm -f /run/nsgen/masquerade-out/net.ipv4.ip_forward
rmdir /run/nsgen/masquerade-out /run/nsgen 2>/dev/null || true
