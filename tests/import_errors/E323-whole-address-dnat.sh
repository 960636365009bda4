# DNATs of whole addresses the lab's `forward NS ADDRESS -> TARGET` cannot say: a subnet, a
# target with a port, one with a source; and one in the host.
ip netns add lan
ip netns add r1
ip netns add dmz
ip -n lan link set lo up
ip -n r1 link set lo up
ip -n dmz link set lo up
ip link add veth-lan netns lan type veth peer name inside netns r1
ip link add dmz netns r1 type veth peer name veth-dmz netns dmz
ip -n lan addr add 10.0.1.2/24 dev veth-lan
ip -n r1 addr add 10.0.1.1/24 dev inside
ip -n r1 addr add 10.0.2.1/24 dev dmz
ip -n dmz addr add 10.0.2.2/24 dev veth-dmz
ip -n lan link set veth-lan up
ip -n r1 link set inside up
ip -n r1 link set dmz up
ip -n dmz link set veth-dmz up
ip -n lan route add default via 10.0.1.1
ip -n dmz route add default via 10.0.2.1
ip netns exec r1 sysctl -w net.ipv4.ip_forward=1
ip netns exec r1 iptables -t nat -A PREROUTING -d 10.0.1.100 -j DNAT --to-destination 10.0.2.2
ip netns exec r1 iptables -t nat -A PREROUTING -d 10.0.1.128/25 -j DNAT --to-destination 10.0.2.2
ip netns exec r1 iptables -t nat -A PREROUTING -d 10.0.1.101 -j DNAT --to-destination 10.0.2.2:80
ip netns exec r1 iptables -t nat -A PREROUTING -s 10.0.1.2 -d 10.0.1.102 -j DNAT --to-destination 10.0.2.2
iptables -t nat -A PREROUTING -d 10.96.0.10 -j DNAT --to-destination 10.0.2.2
