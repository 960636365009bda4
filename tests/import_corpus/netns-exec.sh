#!/usr/bin/env bash
# Tutorial style: `ip netns exec` for everything inside a namespace, a bridge in the host,
# MASQUERADE and a port forward with iptables -A.
set -e

# Two namespaces.
ip netns add red
ip netns add blue
ip netns exec red ip link set lo up
ip netns exec blue ip link set lo up

# The switch, with the host's address on it.
ip link add v-net-0 type bridge
ip link set v-net-0 up
ip addr add 192.168.15.5/24 dev v-net-0

# red's cable to the bridge
ip link add veth-red type veth peer name veth-red-br
ip link set veth-red netns red
ip link set veth-red-br master v-net-0
ip link set veth-red-br up
ip netns exec red ip addr add 192.168.15.1/24 dev veth-red
ip netns exec red ip link set veth-red up

# blue's cable to the bridge
ip link add veth-blue type veth peer name veth-blue-br
ip link set veth-blue netns blue
ip link set veth-blue-br master v-net-0
ip link set veth-blue-br up
ip netns exec blue ip addr add 192.168.15.2/24 dev veth-blue
ip netns exec blue ip link set veth-blue up

# Out through the host.
ip netns exec blue ip route add default via 192.168.15.5
ip netns exec red ip route add default via 192.168.15.5
sysctl -w net.ipv4.ip_forward=1
iptables -t nat -A POSTROUTING -s 192.168.15.0/24 ! -d 192.168.15.0/24 -j MASQUERADE
iptables -t nat -A PREROUTING -p tcp -m addrtype --dst-type LOCAL --dport 8080 -j DNAT --to-destination 192.168.15.2:80

# Check it.
ip netns exec red ping -c 1 192.168.15.2
