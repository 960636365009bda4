#!/usr/bin/env bash
# Teardown of nsgen lab 'isolate', compiled from isolate.ns (target iptables, plain style).
# Removes what the setup script creates (namespaces red, blue, green; bridge br0; veth pairs
# veth-red-br/veth-red, veth-blue-br/veth-blue, veth-green-br/veth-green; route in blue to default;
# rules in iptables chains nsgen-isolate-* (accept across br0, tcp 8080 -> 10.0.0.2:8080); rules in
# namespace blue (isolated, 4 allows); net.ipv4.ip_forward=1), in reverse order, and restores the
# sysctls it set. Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: iptables chains nsgen-isolate-*
iptables -t nat -D PREROUTING -j nsgen-isolate-pre
iptables -t nat -F nsgen-isolate-pre
iptables -t nat -X nsgen-isolate-pre
iptables -t nat -D OUTPUT -j nsgen-isolate-out
iptables -t nat -F nsgen-isolate-out
iptables -t nat -X nsgen-isolate-out
iptables -t nat -D POSTROUTING -j nsgen-isolate-post
iptables -t nat -F nsgen-isolate-post
iptables -t nat -X nsgen-isolate-post
iptables -t filter -D FORWARD -j nsgen-isolate-fwd
iptables -t filter -F nsgen-isolate-fwd
iptables -t filter -X nsgen-isolate-fwd
# isolate.ns:9  veth green<->br0 ip 10.0.0.3/24
if ip link show dev veth-green-br | awk -v mark=nsgen:isolate '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-green-br; fi
# isolate.ns:8  veth blue<->br0 ip 10.0.0.2/24
if ip link show dev veth-blue-br | awk -v mark=nsgen:isolate '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-blue-br; fi
# isolate.ns:7  veth red<->br0 ip 10.0.0.1/24
if ip link show dev veth-red-br | awk -v mark=nsgen:isolate '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-red-br; fi
# isolate.ns:5  ns green
if grep -qx '+ netns green' /run/nsgen/labs/isolate/record 2>/dev/null; then ip netns del green; fi
# isolate.ns:4  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/isolate/record 2>/dev/null; then ip netns del blue; fi
# isolate.ns:3  ns red
if grep -qx '+ netns red' /run/nsgen/labs/isolate/record 2>/dev/null; then ip netns del red; fi
# isolate.ns:6  bridge br0 ip 10.0.0.254/24
if ip link show dev br0 | awk -v mark=nsgen:isolate '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br0; fi
# restore net.ipv4.ip_forward
rm -f /run/nsgen/host/net.ipv4.ip_forward/isolate
if [ "$(ls -A /run/nsgen/host/net.ipv4.ip_forward 2>/dev/null)" = value ]; then # no other lab needs it changed
  cat /run/nsgen/host/net.ipv4.ip_forward/value >/proc/sys/net/ipv4/ip_forward
  rm -f /run/nsgen/host/net.ipv4.ip_forward/value
  rmdir /run/nsgen/host/net.ipv4.ip_forward /run/nsgen/host /run/nsgen 2>/dev/null || true
fi
# the lab's record
rm -f /run/nsgen/labs/isolate/record /run/nsgen/labs/isolate/source
rmdir /run/nsgen/labs/isolate /run/nsgen/labs /run/nsgen 2>/dev/null || true
