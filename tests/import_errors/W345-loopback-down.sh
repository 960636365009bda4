ip netns add red
ip netns add blue
ip link add veth-red netns red type veth peer name veth-blue netns blue
ip -n red addr add 10.0.0.1/24 dev veth-red
ip -n blue addr add 10.0.0.2/24 dev veth-blue
ip -n red link set veth-red up
ip -n blue link set veth-blue up
ip -n blue link set lo up
