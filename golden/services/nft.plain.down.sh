#!/usr/bin/env bash
# Teardown of nsgen lab 'services', compiled from services.ns (target nft, plain style).
# Removes what the setup script creates (namespaces red, blue; bridge br0; veth pairs
# veth-red-br/veth-red, veth-blue-br/veth-blue; rules in nft table inet nsgen-services (accept across
# br0); process `python3 -m http.server 8000 --bind 10.0.0.1` in red; process `sh -c echo started;
# exec sleep 1000 quoted word` in blue), in reverse order, and restores the sysctls it set. Plain
# style: run it once, after the plain setup ran to its end.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail

# services.ns:9  run blue sh -c "echo started; exec sleep 1000" 'quoted word'
read -r pid start </run/nsgen/labs/services/run/blue-5be4c08394.pid && if [ "$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$pid/stat" 2>/dev/null)" = "$start" ]; then kill "$pid"; fi
rm -f /run/nsgen/labs/services/run/blue-5be4c08394.pid /run/nsgen/labs/services/run/blue-5be4c08394.log
rmdir /run/nsgen/labs/services/run 2>/dev/null || true
# services.ns:8  run red python3 -m http.server 8000 --bind 10.0.0.1
read -r pid start </run/nsgen/labs/services/run/red-d695f445b0.pid && if [ "$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$pid/stat" 2>/dev/null)" = "$start" ]; then kill "$pid"; fi
rm -f /run/nsgen/labs/services/run/red-d695f445b0.pid /run/nsgen/labs/services/run/red-d695f445b0.log
rmdir /run/nsgen/labs/services/run 2>/dev/null || true
# firewall: nft table inet nsgen-services
nft delete table inet nsgen-services
# services.ns:7  veth blue<->br0 ip 10.0.0.2/24
if ip link show dev veth-blue-br | awk -v mark=nsgen:services '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-blue-br; fi
# services.ns:6  veth red<->br0 ip 10.0.0.1/24
if ip link show dev veth-red-br | awk -v mark=nsgen:services '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev veth-red-br; fi
# services.ns:4  ns blue
if grep -qx '+ netns blue' /run/nsgen/labs/services/record 2>/dev/null; then ip netns del blue; fi
# services.ns:3  ns red
if grep -qx '+ netns red' /run/nsgen/labs/services/record 2>/dev/null; then ip netns del red; fi
# services.ns:5  bridge br0 ip 10.0.0.254/24
if ip link show dev br0 | awk -v mark=nsgen:services '$1 == "alias" && $2 == mark { ours = 1 } END { exit !ours }'; then ip link del dev br0; fi
# the lab's record
rm -f /run/nsgen/labs/services/record /run/nsgen/labs/services/source
rmdir /run/nsgen/labs/services /run/nsgen/labs /run/nsgen 2>/dev/null || true
