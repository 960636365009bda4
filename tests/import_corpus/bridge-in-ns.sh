#!/bin/bash
# A router namespace with a LAN bridge of its own: `ip netns exec r1 ip link add ... type bridge`,
# ports attached with `ip -n r1 link set dev X master br0`, and an uplink to the host.
set -e
ip netns add r1
ip netns add red
ip netns add blue
ip -n r1 link set lo up
ip -n red link set lo up
ip -n blue link set lo up

# the LAN inside r1
ip netns exec r1 ip link add br0 type bridge
ip netns exec r1 ip addr add 10.0.3.1/24 dev br0
ip netns exec r1 ip link set br0 up

ip link add veth-red netns red type veth peer name veth-red-br netns r1
ip -n r1 link set dev veth-red-br master br0
ip -n r1 link set dev veth-red-br up
ip -n red addr add 10.0.3.2/24 dev veth-red
ip -n red link set veth-red up
ip -n red route add default via 10.0.3.1

ip -n blue link add name veth-blue type veth peer name veth-blue-br netns r1
ip -n r1 link set veth-blue-br master br0 up
ip -n blue addr add 10.0.3.3/24 dev veth-blue
ip -n blue link set veth-blue up

# r1's uplink to the host, which routes to the LAN through it
ip link add veth-r1-host type veth peer name uplink
ip link set uplink netns r1
ip -n r1 addr add 10.0.9.1/24 dev uplink
ip -n r1 link set uplink up
ip addr add 10.0.9.254/24 dev veth-r1-host
ip link set veth-r1-host up
ip route add 10.0.3.0/24 via 10.0.9.1
ip netns exec r1 sysctl -w net.ipv4.ip_forward=1

ip netns exec red ping -c 1 -W 2 10.0.3.3
