#!/bin/bash
# Two sites joined by a VXLAN over an underlay veth, and a macvlan of the host's uplink:
# `ip netns exec NS sh -c '...'` for a namespace's commands, `ip -n` for the rest.
set -e
ip netns add site1
ip netns add site2
ip netns add lan
for_the_record=1

# the underlay: one veth between the sites, made with both ends in place
ip link add eth1 netns site1 type veth peer name eth1 netns site2
ip netns exec site1 sh -c 'ip link set lo up; ip addr add 172.30.0.1/24 dev eth1; ip link set eth1 up'
ip netns exec site2 sh -c 'ip link set lo up && ip addr add 172.30.0.2/24 dev eth1 && ip link set eth1 up'

# the overlay
ip -n site1 link add vx0 type vxlan id 42 remote 172.30.0.2 local 172.30.0.1 dev eth1 dstport 4789
ip -n site2 link add vx0 type vxlan id 42 remote 172.30.0.1 dev eth1 dstport 4789
ip -n site1 addr add 10.42.0.1/24 dev vx0
ip -n site2 addr add 10.42.0.2/24 dev vx0
ip -n site1 link set vx0 up
ip -n site2 link set vx0 up

# a namespace on the host's LAN through a macvlan of eth0
ip link add link eth0 name mv0 type macvlan mode bridge
ip link set mv0 netns lan
ip -n lan link set lo up
ip -n lan addr add 192.168.1.50/24 dev mv0
ip -n lan link set mv0 up
ip -n lan route add default via 192.168.1.3
