#!/usr/bin/env bash
# Teardown of nsgen lab 'forward-udp', compiled from forward-udp.ns (target iptables, plain style).
# Removes what the setup script creates (namespace dns; bridge br0; veth pair veth-dns-br/veth-dns;
# route in dns to default; rules in iptables chains nsgen-forward-udp-* (udp 5353 -> 172.21.0.53:53);
# net.ipv4.ip_forward=1), in reverse order, and restores the sysctls it set. Plain style: run it once,
# after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: iptables chains nsgen-forward-udp-*
iptables -t nat -D PREROUTING -j nsgen-forward-udp-pre
iptables -t nat -F nsgen-forward-udp-pre
iptables -t nat -X nsgen-forward-udp-pre
iptables -t filter -D FORWARD -j nsgen-forward-udp-fwd
iptables -t filter -F nsgen-forward-udp-fwd
iptables -t filter -X nsgen-forward-udp-fwd
# forward-udp.ns:4  veth dns<->br0 ip 172.21.0.53/24
if ip link show dev veth-dns-br | awk -v mark=nsgen:forward-udp '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-dns-br; fi
# forward-udp.ns:2  ns dns
if grep -qx '+ netns dns' /run/nsgen/labs/forward-udp/record 2>/dev/null; then ip netns del dns; fi
# forward-udp.ns:3  bridge br0 ip 172.21.0.1/24
if ip link show dev br0 | awk -v mark=nsgen:forward-udp '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br0; fi
# restore net.ipv4.ip_forward
rm -f /run/nsgen/host/net.ipv4.ip_forward/forward-udp
if [ "$(ls -A /run/nsgen/host/net.ipv4.ip_forward 2>/dev/null)" = value ]; then # no other lab needs it changed
  cat /run/nsgen/host/net.ipv4.ip_forward/value >/proc/sys/net/ipv4/ip_forward
  rm -f /run/nsgen/host/net.ipv4.ip_forward/value
  rmdir /run/nsgen/host/net.ipv4.ip_forward /run/nsgen/host /run/nsgen 2>/dev/null || true
fi
# the lab's record
rm -f /run/nsgen/labs/forward-udp/record /run/nsgen/labs/forward-udp/source
rmdir /run/nsgen/labs/forward-udp /run/nsgen/labs /run/nsgen 2>/dev/null || true
