#!/usr/bin/env bash
# Teardown of nsgen lab 'dualstack', compiled from dualstack.ns (target iptables, plain style).
# Removes what the setup script creates (namespaces red, blue; bridge v-net-0; veth pairs
# veth-red-br/veth-red, veth-blue-br/veth-blue; routes in blue to 192.168.1.0/24, default, default; in
# red to default, default; rules in iptables and ip6tables chains nsgen-dualstack-* (accept across
# v-net-0, masquerade 192.168.15.0/24, masquerade fd00:15::/64, tcp 80 -> 192.168.15.2:80, tcp 80 ->
# [fd00:15::2]:80); net.ipv4.ip_forward=1; net.ipv6.conf.all.forwarding=1), in reverse order, and
# restores the sysctls it set. Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: iptables and ip6tables chains nsgen-dualstack-*
iptables -t nat -D PREROUTING -j nsgen-dualstack-pre
iptables -t nat -F nsgen-dualstack-pre
iptables -t nat -X nsgen-dualstack-pre
iptables -t nat -D OUTPUT -j nsgen-dualstack-out
iptables -t nat -F nsgen-dualstack-out
iptables -t nat -X nsgen-dualstack-out
iptables -t nat -D POSTROUTING -j nsgen-dualstack-post
iptables -t nat -F nsgen-dualstack-post
iptables -t nat -X nsgen-dualstack-post
iptables -t filter -D FORWARD -j nsgen-dualstack-fwd
iptables -t filter -F nsgen-dualstack-fwd
iptables -t filter -X nsgen-dualstack-fwd
ip6tables -t nat -D PREROUTING -j nsgen-dualstack-pre
ip6tables -t nat -F nsgen-dualstack-pre
ip6tables -t nat -X nsgen-dualstack-pre
ip6tables -t nat -D OUTPUT -j nsgen-dualstack-out
ip6tables -t nat -F nsgen-dualstack-out
ip6tables -t nat -X nsgen-dualstack-out
ip6tables -t nat -D POSTROUTING -j nsgen-dualstack-post
ip6tables -t nat -F nsgen-dualstack-post
ip6tables -t nat -X nsgen-dualstack-post
ip6tables -t filter -D FORWARD -j nsgen-dualstack-fwd
ip6tables -t filter -F nsgen-dualstack-fwd
ip6tables -t filter -X nsgen-dualstack-fwd
# dualstack.ns:14  veth blue<->v-net-0 ip 192.168.15.2/24, fd00:15::2/64
if ip link show dev veth-blue-br | awk -v mark=nsgen:dualstack '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-blue-br; fi
# dualstack.ns:13  veth red<->v-net-0 ip 192.168.15.1/24, fd00:15::1/64
if ip link show dev veth-red-br | awk -v mark=nsgen:dualstack '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-red-br; fi
# dualstack.ns:10  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/dualstack/record 2>/dev/null; then ip netns del blue; fi
# dualstack.ns:9  ns red
if grep -qx '+ netns red' /run/nsgen/labs/dualstack/record 2>/dev/null; then ip netns del red; fi
# dualstack.ns:12  bridge v-net-0 ip 192.168.15.5/24, fd00:15::5/64
if ip link show dev v-net-0 | awk -v mark=nsgen:dualstack '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev v-net-0; fi
# restore net.ipv6.conf.all.forwarding
rm -f /run/nsgen/host/net.ipv6.conf.all.forwarding/dualstack
if [ "$(ls -A /run/nsgen/host/net.ipv6.conf.all.forwarding 2>/dev/null)" = value ]; then # no other lab needs it changed
  cat /run/nsgen/host/net.ipv6.conf.all.forwarding/value >/proc/sys/net/ipv6/conf/all/forwarding
  rm -f /run/nsgen/host/net.ipv6.conf.all.forwarding/value
  rmdir /run/nsgen/host/net.ipv6.conf.all.forwarding /run/nsgen/host /run/nsgen 2>/dev/null || true
fi
rm -f /run/nsgen/host/net.ipv4.ip_forward/dualstack
if [ "$(ls -A /run/nsgen/host/net.ipv4.ip_forward 2>/dev/null)" = value ]; then # no other lab needs it changed
  cat /run/nsgen/host/net.ipv4.ip_forward/value >/proc/sys/net/ipv4/ip_forward
  rm -f /run/nsgen/host/net.ipv4.ip_forward/value
  rmdir /run/nsgen/host/net.ipv4.ip_forward /run/nsgen/host /run/nsgen 2>/dev/null || true
fi
# the lab's record
rm -f /run/nsgen/labs/dualstack/record /run/nsgen/labs/dualstack/source
rmdir /run/nsgen/labs/dualstack /run/nsgen/labs /run/nsgen 2>/dev/null || true
