#!/bin/bash
# A dual-stack tutorial: two namespaces on a bridge with IPv4 and IPv6 side by side, IPv6 written
# with `ip -6` and `-f inet6`, a default route of each family, and the host masquerading and
# forwarding a port in both families (iptables and ip6tables).
set -euo pipefail

ip netns add red
ip netns add blue
ip netns exec red ip link set lo up
ip netns exec blue ip link set lo up

# The bridge gets an address of each family. `nodad` skips duplicate address detection, so the
# addresses work at once.
ip link add br0 type bridge
ip link set br0 up
ip addr add 10.10.0.1/24 dev br0
ip -6 addr add fd00:10::1/64 dev br0 nodad

# red on the bridge
ip link add veth-red type veth peer name veth-red-br
ip link set veth-red netns red
ip link set veth-red-br master br0
ip link set veth-red-br up
ip -n red link set veth-red up
ip -n red addr add 10.10.0.2/24 dev veth-red
ip -n red -6 addr add fd00:10::2/64 dev veth-red nodad

# blue on the bridge
ip link add veth-blue type veth peer name veth-blue-br
ip link set veth-blue netns blue
ip link set veth-blue-br master br0
ip link set veth-blue-br up
ip netns exec blue ip link set veth-blue up
ip netns exec blue ip addr add 10.10.0.3/24 dev veth-blue
ip netns exec blue ip -f inet6 addr add fd00:10::3/64 dev veth-blue nodad

# A default route of each family, through the host
ip -n red route add default via 10.10.0.1
ip -n red -6 route add default via fd00:10::1
ip netns exec blue ip route add default via 10.10.0.1
ip netns exec blue ip -6 route add default via fd00:10::1

# red reaches blue over IPv6
ip netns exec red ping -6 -c 1 -W 2 fd00:10::3

# The host routes both families, masquerades the lab's subnets and forwards port 8080 to blue
sysctl -w net.ipv4.ip_forward=1
echo 1 > /proc/sys/net/ipv6/conf/all/forwarding
iptables -t nat -A POSTROUTING -s 10.10.0.0/24 ! -d 10.10.0.0/24 -j MASQUERADE
ip6tables -t nat -A POSTROUTING -s fd00:10::/64 ! -d fd00:10::/64 -j MASQUERADE
iptables -t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 10.10.0.3:80
ip6tables -t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination [fd00:10::3]:80
