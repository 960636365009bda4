#!/usr/bin/env bash
# Setup of nsgen lab 'bridge-vlans', compiled from bridge-vlans.ns (target iptables, plain style).
# Creates namespaces red, blue, green, gold, grey, r1 and 1 more; bridges br0, br1, br2; veth pairs
# veth-red-br/veth-red, veth-blue-br/veth-blue, veth-br0-br/veth-br1-br, veth-green-br/veth-green,
# veth-gold-br/veth-gold, veth-grey-br/veth-grey and 1 more; iptables chains nsgen-bridge-vlans-*.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain bridge-vlans.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/bridge-vlans # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/bridge-vlans/source 2>/dev/null || echo bridge-vlans.ns)" != bridge-vlans.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/bridge-vlans/source >&2; exit 1; fi
echo bridge-vlans.ns >/run/nsgen/labs/bridge-vlans/source
# bridge-vlans.ns:8  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/bridge-vlans/record
ip -n red link set dev lo up
# bridge-vlans.ns:9  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/bridge-vlans/record
ip -n blue link set dev lo up
# bridge-vlans.ns:10  ns green
ip netns add green; echo '+ netns green' >>/run/nsgen/labs/bridge-vlans/record
ip -n green link set dev lo up
# bridge-vlans.ns:11  ns gold
ip netns add gold; echo '+ netns gold' >>/run/nsgen/labs/bridge-vlans/record
ip -n gold link set dev lo up
# bridge-vlans.ns:12  ns grey
ip netns add grey; echo '+ netns grey' >>/run/nsgen/labs/bridge-vlans/record
ip -n grey link set dev lo up
# bridge-vlans.ns:19  ns r1
ip netns add r1; echo '+ netns r1' >>/run/nsgen/labs/bridge-vlans/record
ip -n r1 link set dev lo up
# bridge-vlans.ns:20  ns pink
ip netns add pink; echo '+ netns pink' >>/run/nsgen/labs/bridge-vlans/record
ip -n pink link set dev lo up
# bridge-vlans.ns:6  bridge br0
ip link add name br0 up type bridge vlan_filtering 1
ip link set dev br0 alias nsgen:bridge-vlans # nsgen's teardown deletes only links with this mark
# bridge-vlans.ns:7  bridge br1
ip link add name br1 up type bridge vlan_filtering 1
ip link set dev br1 alias nsgen:bridge-vlans # nsgen's teardown deletes only links with this mark
# bridge-vlans.ns:21  bridge r1:br2 ip 10.0.40.254/24
ip -n r1 link add name br2 type bridge vlan_filtering 1
ip -n r1 link set dev br2 addrgenmode none
bridge -n r1 vlan del dev br2 vid 1 self
bridge -n r1 vlan add dev br2 vid 40 pvid untagged self
ip -n r1 link set dev br2 up
ip -n r1 addr replace 10.0.40.254/24 dev br2
# bridge-vlans.ns:13  veth red<->br0 ip 10.0.0.1/24 tag 10
ip link add name veth-red-br master br0 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:bridge-vlans # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 10.0.0.1/24 dev veth-red
bridge vlan del dev veth-red-br vid 1
bridge vlan add dev veth-red-br vid 10 pvid untagged
# bridge-vlans.ns:14  veth blue<->br0 ip 10.0.0.2/24 tag 20
ip link add name veth-blue-br master br0 up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:bridge-vlans # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue addrgenmode none up
ip -n blue addr replace 10.0.0.2/24 dev veth-blue
bridge vlan del dev veth-blue-br vid 1
bridge vlan add dev veth-blue-br vid 20 pvid untagged
# bridge-vlans.ns:15  veth br0<->br1 trunk 10,20
ip link add name veth-br0-br master br1 up type veth peer name veth-br1-br
ip link set dev veth-br0-br alias nsgen:bridge-vlans # nsgen's teardown deletes only links with this mark
ip link set dev veth-br1-br master br0 up
bridge vlan del dev veth-br0-br vid 1
bridge vlan add dev veth-br0-br vid 10
bridge vlan add dev veth-br0-br vid 20
bridge vlan del dev veth-br1-br vid 1
bridge vlan add dev veth-br1-br vid 10
bridge vlan add dev veth-br1-br vid 20
# bridge-vlans.ns:16  veth green<->br1 ip 10.0.0.3/24 tag 10
ip link add name veth-green-br master br1 up type veth peer name veth-green netns green
ip link set dev veth-green-br alias nsgen:bridge-vlans # nsgen's teardown deletes only links with this mark
ip -n green link set dev veth-green addrgenmode none up
ip -n green addr replace 10.0.0.3/24 dev veth-green
bridge vlan del dev veth-green-br vid 1
bridge vlan add dev veth-green-br vid 10 pvid untagged
# bridge-vlans.ns:17  veth gold<->br1 ip 10.0.0.4/24 tag 20
ip link add name veth-gold-br master br1 up type veth peer name veth-gold netns gold
ip link set dev veth-gold-br alias nsgen:bridge-vlans # nsgen's teardown deletes only links with this mark
ip -n gold link set dev veth-gold addrgenmode none up
ip -n gold addr replace 10.0.0.4/24 dev veth-gold
bridge vlan del dev veth-gold-br vid 1
bridge vlan add dev veth-gold-br vid 20 pvid untagged
# bridge-vlans.ns:18  veth grey<->br1 ip 10.0.0.5/24
ip link add name veth-grey-br master br1 up type veth peer name veth-grey netns grey
ip link set dev veth-grey-br alias nsgen:bridge-vlans # nsgen's teardown deletes only links with this mark
ip -n grey link set dev veth-grey addrgenmode none up
ip -n grey addr replace 10.0.0.5/24 dev veth-grey
# bridge-vlans.ns:22  veth pink<->r1:br2 ip 10.0.40.1/24 tag 40
ip -n pink link add name veth-pink type veth peer name veth-pink-br netns r1
ip -n pink link set dev veth-pink addrgenmode none up
ip -n pink addr replace 10.0.40.1/24 dev veth-pink
ip -n r1 link set dev veth-pink-br addrgenmode none master br2 up
bridge -n r1 vlan del dev veth-pink-br vid 1
bridge -n r1 vlan add dev veth-pink-br vid 40 pvid untagged
# firewall: iptables chains nsgen-bridge-vlans-*; first, accept what crosses the lab's bridges (FORWARD sees it when br_netfilter is on)
iptables -t filter -N nsgen-bridge-vlans-fwd
iptables -t filter -I FORWARD -j nsgen-bridge-vlans-fwd
iptables -t filter -A nsgen-bridge-vlans-fwd -i br0 -o br0 -m comment --comment bridge-vlans.ns:6 -j ACCEPT
iptables -t filter -A nsgen-bridge-vlans-fwd -i br1 -o br1 -m comment --comment bridge-vlans.ns:7 -j ACCEPT
