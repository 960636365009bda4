# A default-deny r1 (`router r1 deny`) with rules that are no `allow ... via r1`: an accept by
# interface, a REJECT, a DROP no accept follows, and an accept after the closing DROP.
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
ip netns exec r1 iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
ip netns exec r1 iptables -A FORWARD -i inside -o dmz -j ACCEPT
ip netns exec r1 iptables -A FORWARD -s 10.0.2.2 -p icmp -j REJECT
ip netns exec r1 iptables -A FORWARD -s 10.0.1.2 -d 10.0.2.0/24 -j DROP
ip netns exec r1 iptables -A FORWARD -j DROP
ip netns exec r1 iptables -A FORWARD -s 10.0.1.2 -d 10.0.2.2 -j ACCEPT
