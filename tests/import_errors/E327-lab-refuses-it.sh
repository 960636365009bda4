ip netns add red
ip link add veth-red netns red type veth peer name veth-red-host
ip -n red addr add 10.0.0.2/24 dev veth-red
ip -n red link set veth-red up
ip link set veth-red-host up
ip -n red route add default via 10.1.0.1 dev veth-red onlink
ip -n red route add 10.5.0.0/24 via 10.0.0.1
ip -n red route add 10.6.0.0/24 via 10.9.0.1
