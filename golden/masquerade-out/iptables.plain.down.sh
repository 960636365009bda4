#!/usr/bin/env bash
# Teardown of nsgen lab 'masquerade-out', compiled from masquerade-out.ns (target iptables, plain style).
# Removes what the setup script creates (namespace app; bridge br0; veth pair veth-app-br/veth-app;
# route in app to default; rules in iptables chains nsgen-masquerade-out-* (masquerade 172.20.0.0/24);
# net.ipv4.ip_forward=1), in reverse order, and restores the sysctls it set. Plain style: run it once,
# after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: iptables chains nsgen-masquerade-out-*
iptables -t nat -D POSTROUTING -j nsgen-masquerade-out-post
iptables -t nat -F nsgen-masquerade-out-post
iptables -t nat -X nsgen-masquerade-out-post
iptables -t filter -D FORWARD -j nsgen-masquerade-out-fwd
iptables -t filter -F nsgen-masquerade-out-fwd
iptables -t filter -X nsgen-masquerade-out-fwd
# masquerade-out.ns:4  veth app<->br0 ip 172.20.0.2/24
if ip link show dev veth-app-br | awk -v mark=nsgen:masquerade-out '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-app-br; fi
# masquerade-out.ns:2  ns app
if grep -qx '+ netns app' /run/nsgen/labs/masquerade-out/record 2>/dev/null; then ip netns del app; fi
# masquerade-out.ns:3  bridge br0 ip 172.20.0.1/24
if ip link show dev br0 | awk -v mark=nsgen:masquerade-out '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br0; fi
# restore net.ipv4.ip_forward
rm -f /run/nsgen/host/net.ipv4.ip_forward/masquerade-out
if [ "$(ls -A /run/nsgen/host/net.ipv4.ip_forward 2>/dev/null)" = value ]; then # no other lab needs it changed
  cat /run/nsgen/host/net.ipv4.ip_forward/value >/proc/sys/net/ipv4/ip_forward
  rm -f /run/nsgen/host/net.ipv4.ip_forward/value
  rmdir /run/nsgen/host/net.ipv4.ip_forward /run/nsgen/host /run/nsgen 2>/dev/null || true
fi
# the lab's record
rm -f /run/nsgen/labs/masquerade-out/record /run/nsgen/labs/masquerade-out/source
rmdir /run/nsgen/labs/masquerade-out /run/nsgen/labs /run/nsgen 2>/dev/null || true
