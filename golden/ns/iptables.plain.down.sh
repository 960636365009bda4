#!/usr/bin/env bash
# Teardown of nsgen lab 'ns', compiled from ns.ns (target iptables, plain style).
# Removes what the setup script creates (namespace red), in reverse order, and restores the sysctls it
# set. Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# ns.ns:2  ns red
ip netns del red
