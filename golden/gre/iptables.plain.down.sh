#!/usr/bin/env bash
# Teardown of nsgen lab 'gre', compiled from gre.ns (target iptables, plain style).
# Removes what the setup script creates (namespaces site1, site2, far; veth pairs eth1/eth1,
# veth-far-host/veth-far; tunnels gre site1:gre1, gre site2:gre1, gre gk1, gre far:gk1), in reverse
# order, and restores the sysctls it set. Plain style: run it once, after the plain setup ran to its
# end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# gre.ns:11  veth far<->host ip 172.31.0.2/24, 172.31.0.1/24
if ip link show dev veth-far-host | awk -v mark=nsgen:gre '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-far-host; fi
# gre.ns:10  ns far
if grep -qx '+ netns far' /run/nsgen/labs/gre/record 2>/dev/null; then ip netns del far; fi
# gre.ns:6  ns site2
if grep -qx '+ netns site2' /run/nsgen/labs/gre/record 2>/dev/null; then ip netns del site2; fi
# gre.ns:5  ns site1
if grep -qx '+ netns site1' /run/nsgen/labs/gre/record 2>/dev/null; then ip netns del site1; fi
# gre.ns:12  gre gk1 remote 172.31.0.2 local 172.31.0.1 key 7 mtu 1400 ip 10.9.1.1/30
if ip link show dev gk1 | awk -v mark=nsgen:gre '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev gk1; fi
# the lab's record
rm -f /run/nsgen/labs/gre/record /run/nsgen/labs/gre/source
rmdir /run/nsgen/labs/gre /run/nsgen/labs /run/nsgen 2>/dev/null || true
