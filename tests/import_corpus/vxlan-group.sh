#!/bin/bash
# VXLAN over a multicast group: three sites on one underlay bridge join group 239.1.1.1 on their
# underlay interface; site3's VXLAN is a port of a bridge inside site3 (`brctl` there) with lan3
# behind it. Written with `ip netns exec NS sh -c '...'` and `ip -n`.
set -eu
ip link add under type bridge
ip link set under up
for_the_record=none

ip netns add site1
ip netns add site2
ip netns add site3
ip netns add lan3

ip link add u1 type veth peer name eth1 netns site1
ip link add u2 type veth peer name eth1 netns site2
ip link add u3 type veth peer name eth1 netns site3
ip link set u1 master under up
ip link set u2 master under up
ip link set u3 master under up
ip netns exec site1 sh -c 'ip link set lo up; ip addr add 172.30.0.1/24 dev eth1; ip link set eth1 up'
ip netns exec site2 sh -c 'ip link set lo up; ip addr add 172.30.0.2/24 dev eth1; ip link set eth1 up'
ip netns exec site3 sh -c 'ip link set lo up; ip addr add 172.30.0.3/24 dev eth1; ip link set eth1 up'

# the overlay: no site names another
ip -n site1 link add vx0 type vxlan id 42 group 239.1.1.1 dev eth1 dstport 4789
ip -n site2 link add vx0 type vxlan id 42 group 239.1.1.1 dev eth1 dstport 4789
ip -n site3 link add vx0 type vxlan id 42 group 239.1.1.1 dev eth1 dstport 4789
ip -n site1 addr add 10.42.0.1/24 dev vx0
ip -n site2 addr add 10.42.0.2/24 dev vx0
ip -n site1 link set vx0 up
ip -n site2 link set vx0 up

# site3 bridges the overlay to lan3
ip netns exec site3 brctl addbr br0
ip netns exec site3 brctl addif br0 vx0
ip -n site3 link set vx0 up
ip -n site3 link set br0 up
ip link add veth-lan3 mtu 1450 netns lan3 type veth peer name veth-lan3-br mtu 1450 netns site3
ip -n site3 link set veth-lan3-br master br0 up
ip -n lan3 link set lo up
ip -n lan3 addr add 10.42.0.3/24 dev veth-lan3
ip -n lan3 link set veth-lan3 up

ip netns exec site1 ping -c 1 -W 2 10.42.0.2
