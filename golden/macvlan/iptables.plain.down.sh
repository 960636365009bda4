#!/usr/bin/env bash
# Teardown of nsgen lab 'macvlan', compiled from macvlan.ns (target iptables, plain style).
# Removes what the setup script creates (namespaces red, blue; bridge br0; macvlans red:eth0,
# blue:eth0), in reverse order, and restores the sysctls it set. Plain style: run it once, after the
# plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# macvlan.ns:4  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/macvlan/record 2>/dev/null; then ip netns del blue; fi
# macvlan.ns:3  ns red
if grep -qx '+ netns red' /run/nsgen/labs/macvlan/record 2>/dev/null; then ip netns del red; fi
# macvlan.ns:5  bridge br0 ip 192.168.1.1/24
if ip link show dev br0 | awk -v mark=nsgen:macvlan '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br0; fi
# the lab's record
rm -f /run/nsgen/labs/macvlan/record /run/nsgen/labs/macvlan/source
rmdir /run/nsgen/labs/macvlan /run/nsgen/labs /run/nsgen 2>/dev/null || true
