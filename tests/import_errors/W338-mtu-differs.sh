ip netns add red
ip netns add blue
ip link add veth-red netns red mtu 1400 type veth peer name veth-blue netns blue
ip -n blue link set veth-blue mtu 1300
ip -n red link set veth-red up
ip -n blue link set veth-blue up
