#!/bin/bash
# `ip -n` style: a router namespace between two hosts, variables, a veth made in the host,
# moved and renamed, a host veth, and a sysctl written through /proc.
set -euo pipefail
LEFT=10.0.1
RIGHT=10.0.2

for_show=ignored   # an assignment only

ip netns add left
ip netns add r1
ip netns add right
ip -n left link set lo up
ip -n r1 link set lo up
ip -n right link set lo up

# left <-> r1, made directly in the namespaces
ip link add eth0 netns left type veth peer name eth-left netns r1
ip -n left addr add ${LEFT}.2/24 dev eth0
ip -n r1 addr add ${LEFT}.1/24 dev eth-left
ip -n left link set eth0 up
ip -n r1 link set eth-left up

# r1 <-> right: made in the host, moved, then renamed inside
ip link add tmp-a type veth peer name tmp-b
ip link set tmp-a netns r1
ip link set tmp-b netns right
ip -n r1 link set tmp-a name eth-right
ip -n right link set tmp-b name eth0
ip -n r1 addr add $RIGHT.1/24 dev eth-right
ip -n right addr add $RIGHT.2/24 dev eth0
ip -n r1 link set eth-right up
ip -n right link set eth0 up

# r1 routes between them
ip netns exec r1 sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
ip -n left route add default via $LEFT.1
ip -n right route add default via $RIGHT.1 metric 10

# the host reaches r1 over a veth of its own
ip link add veth-r1-host type veth peer name veth-r1 netns r1
ip addr add 10.0.9.1/30 dev veth-r1-host
ip link set veth-r1-host up
ip -n r1 addr add 10.0.9.2/30 dev veth-r1
ip -n r1 link set veth-r1 up
ip route add 10.0.2.0/24 via 10.0.9.2
