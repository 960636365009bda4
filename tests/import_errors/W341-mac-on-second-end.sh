ip netns add red
ip netns add blue
ip link add veth-red netns red type veth peer name veth-blue netns blue address 02:00:00:00:00:02
ip -n red addr add 10.0.0.1/24 dev veth-red
ip -n red link set veth-red up
ip -n blue link set veth-blue up
