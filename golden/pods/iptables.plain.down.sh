#!/usr/bin/env bash
# Teardown of nsgen lab 'pods', compiled from pods.ns (target iptables, plain style).
# Removes what the setup script creates (namespaces web, api, db; bridge cni0; veth pairs
# veth-web-br/eth0, veth-api-br/eth0, veth-db-br/eth0; routes in web to default; in api to default; in
# db to default; rules in iptables chains nsgen-pods-* (accept across cni0, masquerade 10.244.1.0/24,
# tcp 30080 -> 10.244.1.10:80); net.ipv4.ip_forward=1), in reverse order, and restores the sysctls it
# set. Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: iptables chains nsgen-pods-*
iptables -t nat -D PREROUTING -j nsgen-pods-pre
iptables -t nat -F nsgen-pods-pre
iptables -t nat -X nsgen-pods-pre
iptables -t nat -D OUTPUT -j nsgen-pods-out
iptables -t nat -F nsgen-pods-out
iptables -t nat -X nsgen-pods-out
iptables -t nat -D POSTROUTING -j nsgen-pods-post
iptables -t nat -F nsgen-pods-post
iptables -t nat -X nsgen-pods-post
iptables -t filter -D FORWARD -j nsgen-pods-fwd
iptables -t filter -F nsgen-pods-fwd
iptables -t filter -X nsgen-pods-fwd
# pods.ns:18  veth db:eth0<->cni0 ip 10.244.1.12/24
if ip link show dev veth-db-br | awk -v mark=nsgen:pods '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-db-br; fi
# pods.ns:14  veth api:eth0<->cni0 ip 10.244.1.11/24
if ip link show dev veth-api-br | awk -v mark=nsgen:pods '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-api-br; fi
# pods.ns:10  veth web:eth0<->cni0 ip 10.244.1.10/24
if ip link show dev veth-web-br | awk -v mark=nsgen:pods '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-web-br; fi
# pods.ns:17  ns db
if grep -qx '+ netns db' /run/nsgen/labs/pods/record 2>/dev/null; then ip netns del db; fi
# pods.ns:13  ns api
if grep -qx '+ netns api' /run/nsgen/labs/pods/record 2>/dev/null; then ip netns del api; fi
# pods.ns:9  ns web
if grep -qx '+ netns web' /run/nsgen/labs/pods/record 2>/dev/null; then ip netns del web; fi
# pods.ns:7  bridge cni0 ip 10.244.1.1/24
if ip link show dev cni0 | awk -v mark=nsgen:pods '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev cni0; fi
# restore net.ipv4.ip_forward
rm -f /run/nsgen/host/net.ipv4.ip_forward/pods
if [ "$(ls -A /run/nsgen/host/net.ipv4.ip_forward 2>/dev/null)" = value ]; then # no other lab needs it changed
  cat /run/nsgen/host/net.ipv4.ip_forward/value >/proc/sys/net/ipv4/ip_forward
  rm -f /run/nsgen/host/net.ipv4.ip_forward/value
  rmdir /run/nsgen/host/net.ipv4.ip_forward /run/nsgen/host /run/nsgen 2>/dev/null || true
fi
# the lab's record
rm -f /run/nsgen/labs/pods/record /run/nsgen/labs/pods/source
rmdir /run/nsgen/labs/pods /run/nsgen/labs /run/nsgen 2>/dev/null || true
