#!/usr/bin/env bash
# Teardown of nsgen lab 'long-names', compiled from long-names.ns (target iptables, plain style).
# Removes what the setup script creates (namespaces tenant-alpha-production, tenant-beta-production;
# bridge br-tenants; veth pairs veth-ten690b-br/veth-tenant690b, beta-br/eth0; rules in iptables
# chains nsgen-long-names-* (accept across br-tenants)), in reverse order, and restores the sysctls it
# set. Plain style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# firewall: iptables chains nsgen-long-names-*
iptables -t filter -D FORWARD -j nsgen-long-names-fwd
iptables -t filter -F nsgen-long-names-fwd
iptables -t filter -X nsgen-long-names-fwd
# long-names.ns:8  veth tenant-beta-production:eth0<->br-tenants:beta-br ip 10.50.0.3/24
if ip link show dev beta-br | awk -v mark=nsgen:long-names '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev beta-br; fi
# long-names.ns:7  veth tenant-alpha-production<->br-tenants ip 10.50.0.2/24
if ip link show dev veth-ten690b-br | awk -v mark=nsgen:long-names '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-ten690b-br; fi
# long-names.ns:6  ns tenant-beta-production
if grep -qx '+ netns tenant-beta-production' /run/nsgen/labs/long-names/record 2>/dev/null; then ip netns del tenant-beta-production; fi
# long-names.ns:5  ns tenant-alpha-production
if grep -qx '+ netns tenant-alpha-production' /run/nsgen/labs/long-names/record 2>/dev/null; then ip netns del tenant-alpha-production; fi
# long-names.ns:4  bridge br-tenants ip 10.50.0.1/24
if ip link show dev br-tenants | awk -v mark=nsgen:long-names '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br-tenants; fi
# the lab's record
rm -f /run/nsgen/labs/long-names/record /run/nsgen/labs/long-names/source
rmdir /run/nsgen/labs/long-names /run/nsgen/labs /run/nsgen 2>/dev/null || true
