#!/usr/bin/env bash
# Teardown of nsgen lab 'direct-pair', compiled from direct-pair.ns (target nft, plain style).
# Removes what the setup script creates (namespaces red, blue; veth pair veth-red/veth-blue), in
# reverse order, and restores the sysctls it set. Plain style: run it once, after the plain setup ran
# to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# direct-pair.ns:2  ns blue
ip netns del blue
# direct-pair.ns:2  ns red
ip netns del red
