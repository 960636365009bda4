# The host's own connections to port 8080 go to blue, but nothing forwards the port from outside:
# nsgen's `forward` does both (PREROUTING and OUTPUT), never OUTPUT alone.
ip netns add blue
ip -n blue link set lo up
ip link add veth-blue type veth peer name veth-blue-host
ip link set veth-blue netns blue
ip addr add 10.0.0.1/24 dev veth-blue-host
ip link set veth-blue-host up
ip -n blue addr add 10.0.0.2/24 dev veth-blue
ip -n blue link set veth-blue up
iptables -t nat -A OUTPUT -p tcp -m addrtype --dst-type LOCAL --dport 8080 -j DNAT --to-destination 10.0.0.2:80
