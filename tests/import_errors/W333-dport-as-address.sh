ip netns add blue
ip link add veth-blue type veth peer name veth-blue-host
ip link set veth-blue netns blue
ip addr add 10.0.0.1/24 dev veth-blue-host
ip link set veth-blue-host up
ip -n blue addr add 10.0.0.2/24 dev veth-blue
ip -n blue link set veth-blue up
sysctl -w net.ipv4.ip_forward=1
iptables -t nat -A PREROUTING -p tcp -d 80 --to-destination 10.0.0.2:80 -j DNAT
