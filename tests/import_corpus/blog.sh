#!/bin/bash
set -e
# A blog-post style: sudo everywhere, `ip -all netns exec`, `peer` without `name`, ip abbreviations,
# FORWARD accepts with -m state; the LAN host 192.168.1.3 is the sandbox's `outside`.
# create namespaces
sudo ip netns add ns1
sudo ip netns add ns2
sudo ip -all netns exec ip link set lo up

# bridge
sudo ip link add name br0 type bridge
sudo ip link set dev br0 up
sudo ip address add 10.0.0.1/24 dev br0

sudo ip link add veth1 type veth peer veth1-br
sudo ip link set veth1 netns ns1
sudo ip link set veth1-br master br0 up
sudo ip -n ns1 address add 10.0.0.11/24 dev veth1
sudo ip -n ns1 link set dev veth1 up
sudo ip -n ns1 route add default via 10.0.0.1

sudo ip link add veth2 type veth peer name veth2-br
sudo ip link set veth2 netns ns2
sudo ip link set veth2-br master br0
sudo ip link set veth2-br up
sudo ip netns exec ns2 ip a add 10.0.0.12/24 dev veth2
sudo ip netns exec ns2 ip l set veth2 up
sudo ip netns exec ns2 ip r add default via 10.0.0.1

sudo sysctl -w net.ipv4.ip_forward=1
sudo iptables -t nat -A POSTROUTING -s 10.0.0.0/24 -o eth0 -j MASQUERADE
sudo iptables -A FORWARD -i br0 -j ACCEPT
sudo iptables -A FORWARD -o br0 -m state --state RELATED,ESTABLISHED -j ACCEPT
sudo ip netns exec ns1 ping -c 1 -W 2 192.168.1.3
