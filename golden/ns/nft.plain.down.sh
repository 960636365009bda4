#!/usr/bin/env bash
# Teardown of nsgen lab 'ns', compiled from ns.ns (target nft, plain style).
# Removes what the setup script creates (namespace red), in reverse order, and restores the sysctls it
# set. Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# ns.ns:2  ns red
if grep -qx '+ netns red' /run/nsgen/labs/ns/record 2>/dev/null; then ip netns del red; fi
# the lab's record
rm -f /run/nsgen/labs/ns/record /run/nsgen/labs/ns/source
rmdir /run/nsgen/labs/ns /run/nsgen/labs /run/nsgen 2>/dev/null || true
