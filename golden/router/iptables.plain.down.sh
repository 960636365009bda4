#!/usr/bin/env bash
# Teardown of nsgen lab 'router', compiled from router.ns (target iptables, plain style).
# Removes what the setup script creates (namespaces red, r1, blue; veth pairs veth-red/veth-r1,
# a/type; routes in red to default, default; in blue to 10.0.1.0/24, 10.255.0.1/32, default), in
# reverse order, and restores the sysctls it set. Plain style: run it once, after the plain setup ran
# to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# router.ns:5  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/router/record 2>/dev/null; then ip netns del blue; fi
# router.ns:4  ns r1
if grep -qx '+ netns r1' /run/nsgen/labs/router/record 2>/dev/null; then ip netns del r1; fi
# router.ns:3  ns red
if grep -qx '+ netns red' /run/nsgen/labs/router/record 2>/dev/null; then ip netns del red; fi
# the lab's record
rm -f /run/nsgen/labs/router/record /run/nsgen/labs/router/source
rmdir /run/nsgen/labs/router /run/nsgen/labs /run/nsgen 2>/dev/null || true
