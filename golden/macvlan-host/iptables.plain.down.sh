#!/usr/bin/env bash
# Teardown of nsgen lab 'macvlan-host', compiled from macvlan-host.ns (target iptables, plain style).
# Removes what the setup script creates (namespace red; macvlan red:mv0; route in red to default), in
# reverse order, and restores the sysctls it set. Plain style: run it once, after the plain setup ran
# to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# macvlan-host.ns:3  ns red
if grep -qx '+ netns red' /run/nsgen/labs/macvlan-host/record 2>/dev/null; then ip netns del red; fi
# the lab's record
rm -f /run/nsgen/labs/macvlan-host/record /run/nsgen/labs/macvlan-host/source
rmdir /run/nsgen/labs/macvlan-host /run/nsgen/labs /run/nsgen 2>/dev/null || true
