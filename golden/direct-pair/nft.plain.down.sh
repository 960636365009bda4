#!/usr/bin/env bash
# Teardown of nsgen lab 'direct-pair', compiled from direct-pair.ns (target nft, plain style).
# Removes what the setup script creates (namespaces red, blue; veth pair veth-red/veth-blue), in
# reverse order, and restores the sysctls it set. Plain style: run it once, after the plain setup ran
# to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# direct-pair.ns:2  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/direct-pair/record 2>/dev/null; then ip netns del blue; fi
# direct-pair.ns:2  ns red
if grep -qx '+ netns red' /run/nsgen/labs/direct-pair/record 2>/dev/null; then ip netns del red; fi
# the lab's record
rm -f /run/nsgen/labs/direct-pair/record /run/nsgen/labs/direct-pair/source
rmdir /run/nsgen/labs/direct-pair /run/nsgen/labs /run/nsgen 2>/dev/null || true
