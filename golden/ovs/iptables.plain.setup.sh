#!/usr/bin/env bash
# Setup of nsgen lab 'ovs', compiled from ovs.ns (target iptables, plain style).
# Creates namespaces red, blue, green; bridge br0; Open vSwitch bridge sw0; veth pairs
# veth-red-br/veth-red, veth-blue-br/veth-blue, veth-br0-br/veth-sw0-br, veth-green-br/veth-green;
# route in red; iptables chains nsgen-ovs-*.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain ovs.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
# Open vSwitch bridges use the kernel datapath where the openvswitch module is loaded, else the
# userspace one (netdev: slower, every frame goes through ovs-vswitchd; see docs/language.md).
if [ -d /sys/module/openvswitch ]; then ovs_datapath=system; else ovs_datapath=netdev; fi
echo "Open vSwitch datapath: $ovs_datapath" >&2
mkdir -p /run/nsgen/labs/ovs # the lab's record (teardown deletes only the namespaces it lists)
if [ "$(cat /run/nsgen/labs/ovs/source 2>/dev/null || echo ovs.ns)" != ovs.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/ovs/source >&2; exit 1; fi
echo ovs.ns >/run/nsgen/labs/ovs/source
# ovs.ns:6  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/ovs/record
ip -n red link set dev lo up
# ovs.ns:7  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/ovs/record
ip -n blue link set dev lo up
# ovs.ns:8  ns green
ip netns add green; echo '+ netns green' >>/run/nsgen/labs/ovs/record
ip -n green link set dev lo up
# ovs.ns:4  bridge sw0 type ovs ip 10.1.0.254/24
if ! ovs-vsctl --timeout=10 br-exists sw0; then ovs-vsctl --timeout=10 --may-exist add-br sw0 -- set bridge sw0 datapath_type="$ovs_datapath"; echo '+ ovsbr sw0' >>/run/nsgen/labs/ovs/record; fi
ip link set dev sw0 up
ip addr replace 10.1.0.254/24 dev sw0
# ovs.ns:5  bridge br0
ip link add name br0 up type bridge
ip link set dev br0 alias nsgen:ovs # nsgen's teardown deletes only links with this mark
# ovs.ns:9  veth red<->sw0 ip 10.1.0.1/24
ip link add name veth-red-br up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:ovs # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 10.1.0.1/24 dev veth-red
ovs-vsctl --timeout=10 --may-exist add-port sw0 veth-red-br -- clear port veth-red-br tag trunks
if [ "$(ovs-vsctl --timeout=10 get bridge sw0 datapath_type)" = netdev ]; then ethtool -K veth-red-br tx off >/dev/null; fi # userspace datapath: TCP needs the checksums filled in
if [ "$(ovs-vsctl --timeout=10 get bridge sw0 datapath_type)" = netdev ]; then ip netns exec red ethtool -K veth-red tx off >/dev/null; fi # userspace datapath: TCP needs the checksums filled in
# ovs.ns:10  veth blue<->sw0 ip 10.1.0.2/24 tag 30
ip link add name veth-blue-br up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:ovs # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue addrgenmode none up
ip -n blue addr replace 10.1.0.2/24 dev veth-blue
ovs-vsctl --timeout=10 --may-exist add-port sw0 veth-blue-br -- set port veth-blue-br tag=30 -- clear port veth-blue-br trunks
if [ "$(ovs-vsctl --timeout=10 get bridge sw0 datapath_type)" = netdev ]; then ethtool -K veth-blue-br tx off >/dev/null; fi # userspace datapath: TCP needs the checksums filled in
if [ "$(ovs-vsctl --timeout=10 get bridge sw0 datapath_type)" = netdev ]; then ip netns exec blue ethtool -K veth-blue tx off >/dev/null; fi # userspace datapath: TCP needs the checksums filled in
# ovs.ns:11  veth br0<->sw0
ip link add name veth-br0-br up type veth peer name veth-sw0-br
ip link set dev veth-br0-br alias nsgen:ovs # nsgen's teardown deletes only links with this mark
ip link set dev veth-sw0-br master br0 up
ovs-vsctl --timeout=10 --may-exist add-port sw0 veth-br0-br -- clear port veth-br0-br tag trunks
if [ "$(ovs-vsctl --timeout=10 get bridge sw0 datapath_type)" = netdev ]; then ethtool -K veth-br0-br tx off >/dev/null; fi # userspace datapath: TCP needs the checksums filled in
if [ "$(ovs-vsctl --timeout=10 get bridge sw0 datapath_type)" = netdev ]; then ethtool -K veth-sw0-br tx off >/dev/null; fi # userspace datapath: TCP needs the checksums filled in
# ovs.ns:12  veth green<->br0 ip 10.1.0.3/24
ip link add name veth-green-br master br0 up type veth peer name veth-green netns green
ip link set dev veth-green-br alias nsgen:ovs # nsgen's teardown deletes only links with this mark
ip -n green link set dev veth-green addrgenmode none up
ip -n green addr replace 10.1.0.3/24 dev veth-green
# ovs.ns:13  route red default via 10.1.0.254
ip -n red route add default via 10.1.0.254
# firewall: iptables chains nsgen-ovs-*; first, accept what crosses the lab's bridges (FORWARD sees it when br_netfilter is on)
iptables -t filter -N nsgen-ovs-fwd
iptables -t filter -I FORWARD -j nsgen-ovs-fwd
iptables -t filter -A nsgen-ovs-fwd -i br0 -o br0 -m comment --comment ovs.ns:5 -j ACCEPT
