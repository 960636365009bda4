#!/usr/bin/env bash
# Setup of nsgen lab 'two-machines', compiled from two-machines.ns (target iptables, plain style).
# Creates namespace blue; bridge lan; veth pair veth-blue-br/veth-blue; route in blue to default;
# rules in iptables chains nsgen-two-machines-* (accept across lan). Plain style: no checks or
# rollback; run it once, as root. Undo: nsgen down --style plain two-machines.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/two-machines # the lab's record: teardown deletes only the namespaces it lists
if [ "$(cat /run/nsgen/labs/two-machines/source 2>/dev/null || echo two-machines.ns)" != two-machines.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/two-machines/source >&2; exit 1; fi
echo two-machines.ns >/run/nsgen/labs/two-machines/source
# two-machines.ns:15  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/two-machines/record
ip -n blue link set dev lo up
# two-machines.ns:5  bridge lan
ip link add name lan type bridge
ip link set dev lan alias nsgen:two-machines # nsgen's teardown deletes only links with this mark
ip link set dev lan mtu 1450 up
# two-machines.ns:16  veth blue<->lan ip 10.60.0.2/24
ip link add name veth-blue-br master lan mtu 1450 up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:two-machines # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue addrgenmode none
ip -n blue link set dev veth-blue mtu 1450 up
ip -n blue addr replace 10.60.0.2/24 dev veth-blue
# two-machines.ns:5  bridge lan
ip link add name vx10001 master lan mtu 1450 up type vxlan id 10001 remote 172.30.0.1 local 172.30.0.2 dstport 4789
ip link set dev vx10001 alias nsgen:two-machines # nsgen's teardown deletes only links with this mark
# two-machines.ns:17  route blue default via 10.60.0.254
ip -n blue route add default via 10.60.0.254
iptables-restore --noflush <<'RULES'
*filter
:nsgen-two-machines-fwd - [0:0]
# two-machines.ns:5  bridge lan: between the lab's namespaces across it (seen here when br_netfilter is on)
-A nsgen-two-machines-fwd -i lan -o lan -m comment --comment "two-machines.ns:5" -j ACCEPT
COMMIT
RULES
iptables -t filter -I FORWARD -j nsgen-two-machines-fwd
