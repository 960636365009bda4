#!/bin/sh
# brctl style (bridge-utils), with FORWARD accepts as a runbook writes them.
sudo ip netns add web
sudo ip netns add db
sudo ip netns exec web ip link set dev lo up
sudo ip netns exec db ip link set dev lo up

sudo brctl addbr cni0
sudo ip addr add 10.244.0.1/24 dev cni0
sudo ip link set dev cni0 up

sudo ip link add veth-web type veth peer name veth-web-br
sudo ip link set veth-web netns web
sudo brctl addif cni0 veth-web-br
sudo ip link set veth-web-br up
sudo ip netns exec web ip addr add 10.244.0.10/24 dev veth-web
sudo ip netns exec web ip link set veth-web up
sudo ip netns exec web ip route add default via 10.244.0.1

sudo ip link add veth-db type veth peer name veth-db-br
sudo ip link set veth-db netns db
sudo brctl addif cni0 veth-db-br
sudo ip link set veth-db-br up
sudo ip netns exec db ip addr add 10.244.0.20/24 dev veth-db
sudo ip netns exec db ip link set veth-db up
sudo ip netns exec db ip route add default via 10.244.0.1

echo 1 | sudo tee /proc/sys/net/ipv4/ip_forward
sudo iptables -t nat -A POSTROUTING -s 10.244.0.0/24 ! -d 10.244.0.0/24 -o eth0 -j MASQUERADE
sudo iptables -A FORWARD -i cni0 -o cni0 -j ACCEPT
sudo iptables -A FORWARD -s 10.244.0.0/24 -j ACCEPT
sudo iptables -t nat -A PREROUTING -i eth0 -p udp --dport 5353 -j DNAT --to-destination 10.244.0.20:53
