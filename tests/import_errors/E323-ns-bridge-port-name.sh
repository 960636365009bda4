# a port of a bridge inside a namespace with a name of its own: the lab names such ports itself
ip netns add r1
ip netns add red
ip -n r1 link set lo up
ip -n red link set lo up
ip -n r1 link add br0 type bridge
ip -n r1 link set br0 up
ip link add veth-red netns red type veth peer name port1 netns r1
ip -n r1 link set port1 master br0 up
ip -n red addr add 10.0.3.2/24 dev veth-red
ip -n red link set veth-red up
