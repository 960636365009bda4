#!/usr/bin/env bash
# Setup of nsgen lab 'ns', compiled from ns.ns (target nft, plain style).
# Creates namespace red.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain ns.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/ns # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/ns/source 2>/dev/null || echo ns.ns)" != ns.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/ns/source >&2; exit 1; fi
echo ns.ns >/run/nsgen/labs/ns/source
# ns.ns:2  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/ns/record
ip -n red link set dev lo up
