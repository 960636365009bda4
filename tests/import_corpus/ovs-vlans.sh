#!/bin/bash
# Open vSwitch by hand: two VLANs on one switch and a trunk to a second switch. The userspace
# datapath (this machine has no openvswitch module), VLANs given with add-port, with
# `-- set port` in the same transaction and with a later `ovs-vsctl set port`.
set -euo pipefail

ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
ovs-vsctl --may-exist add-br br1
ovs-vsctl set bridge br1 datapath_type=netdev
ip link set br0 up
ip link set br1 up

ip netns add red
ip netns add blue
ip netns add green
ip -n red link set lo up
ip -n blue link set lo up
ip -n green link set lo up

# red: an access port in VLAN 10
ip link add veth-red type veth peer name red-port
ip link set veth-red netns red
ovs-vsctl add-port br0 red-port tag=10
ip link set red-port up
ip -n red addr add 10.0.0.1/24 dev veth-red
ip -n red link set veth-red up

# blue: VLAN 20, tagged after the port was added
ip link add veth-blue netns blue type veth peer name blue-port
ovs-vsctl add-port br0 blue-port
ovs-vsctl set port blue-port tag=20
ip link set blue-port up
ip netns exec blue ip addr add 10.0.0.2/24 dev veth-blue
ip netns exec blue ip link set veth-blue up

# the trunk between the switches carries both VLANs
ip link add br0-br1 type veth peer name br1-br0
ovs-vsctl --timeout=10 add-port br0 br0-br1 trunks=10,20
ovs-vsctl add-port br1 br1-br0 -- set port br1-br0 vlan_mode=trunk trunks=10,20
ip link set br0-br1 up
ip link set br1-br0 up

# green: VLAN 10 on the second switch
ip link add veth-green netns green type veth peer name green-port
ovs-vsctl add-port br1 green-port -- set port green-port tag=10
ip link set green-port up
ip -n green addr add 10.0.0.3/24 dev veth-green
ip -n green link set veth-green up

# the userspace datapath leaves TCP checksums to hardware nobody has
ethtool -K red-port tx off >/dev/null
ip netns exec red ethtool -K veth-red tx off >/dev/null

ovs-vsctl show
ip netns exec red ping -c 1 -W 2 10.0.0.3
