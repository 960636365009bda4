#!/usr/bin/env bash
# Teardown of nsgen lab 'isolate6', compiled from isolate6.ns (target iptables, plain style).
# Removes what the setup script creates (namespaces red, blue, green, gold; bridge br0; veth pairs
# veth-red-br/veth-red, veth-blue-br/veth-blue, veth-green-br/veth-green, veth-gold-br/veth-gold;
# routes in blue to default, default; rules in iptables and ip6tables chains nsgen-isolate6-* (accept
# across br0, tcp 8080 -> [fd00:20::2]:8080); rules in namespace blue (isolated, 4 allows); rules in
# namespace gold (isolated, 2 allows); net.ipv6.conf.all.forwarding=1), in reverse order, and restores
# the sysctls it set. Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: iptables and ip6tables chains nsgen-isolate6-*
iptables -t filter -D FORWARD -j nsgen-isolate6-fwd
iptables -t filter -F nsgen-isolate6-fwd
iptables -t filter -X nsgen-isolate6-fwd
ip6tables -t nat -D PREROUTING -j nsgen-isolate6-pre
ip6tables -t nat -F nsgen-isolate6-pre
ip6tables -t nat -X nsgen-isolate6-pre
ip6tables -t nat -D OUTPUT -j nsgen-isolate6-out
ip6tables -t nat -F nsgen-isolate6-out
ip6tables -t nat -X nsgen-isolate6-out
ip6tables -t nat -D POSTROUTING -j nsgen-isolate6-post
ip6tables -t nat -F nsgen-isolate6-post
ip6tables -t nat -X nsgen-isolate6-post
ip6tables -t filter -D FORWARD -j nsgen-isolate6-fwd
ip6tables -t filter -F nsgen-isolate6-fwd
ip6tables -t filter -X nsgen-isolate6-fwd
# isolate6.ns:13  veth gold<->br0 ip fd00:20::4/64
if ip link show dev veth-gold-br | awk -v mark=nsgen:isolate6 '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-gold-br; fi
# isolate6.ns:12  veth green<->br0 ip 10.0.0.3/24, fd00:20::3/64
if ip link show dev veth-green-br | awk -v mark=nsgen:isolate6 '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-green-br; fi
# isolate6.ns:11  veth blue<->br0 ip 10.0.0.2/24, fd00:20::2/64
if ip link show dev veth-blue-br | awk -v mark=nsgen:isolate6 '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-blue-br; fi
# isolate6.ns:10  veth red<->br0 ip 10.0.0.1/24, fd00:20::1/64
if ip link show dev veth-red-br | awk -v mark=nsgen:isolate6 '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-red-br; fi
# isolate6.ns:8  ns gold
if grep -qx '+ netns gold' /run/nsgen/labs/isolate6/record 2>/dev/null; then ip netns del gold; fi
# isolate6.ns:7  ns green
if grep -qx '+ netns green' /run/nsgen/labs/isolate6/record 2>/dev/null; then ip netns del green; fi
# isolate6.ns:6  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/isolate6/record 2>/dev/null; then ip netns del blue; fi
# isolate6.ns:5  ns red
if grep -qx '+ netns red' /run/nsgen/labs/isolate6/record 2>/dev/null; then ip netns del red; fi
# isolate6.ns:9  bridge br0 ip 10.0.0.254/24, fd00:20::fe/64
if ip link show dev br0 | awk -v mark=nsgen:isolate6 '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br0; fi
# restore net.ipv6.conf.all.forwarding
rm -f /run/nsgen/host/net.ipv6.conf.all.forwarding/isolate6
if [ "$(ls -A /run/nsgen/host/net.ipv6.conf.all.forwarding 2>/dev/null)" = value ]; then # no other lab needs it changed
  cat /run/nsgen/host/net.ipv6.conf.all.forwarding/value >/proc/sys/net/ipv6/conf/all/forwarding
  rm -f /run/nsgen/host/net.ipv6.conf.all.forwarding/value
  rmdir /run/nsgen/host/net.ipv6.conf.all.forwarding /run/nsgen/host /run/nsgen 2>/dev/null || true
fi
# the lab's record
rm -f /run/nsgen/labs/isolate6/record /run/nsgen/labs/isolate6/source
rmdir /run/nsgen/labs/isolate6 /run/nsgen/labs /run/nsgen 2>/dev/null || true
