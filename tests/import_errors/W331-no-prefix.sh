ip netns add red
ip link add v-net-0 type bridge
ip addr add 10.0.0.254/24 dev v-net-0
ip link set v-net-0 up
ip link add veth-red type veth peer name veth-red-br
ip link set veth-red netns red
ip link set veth-red-br master v-net-0 up
ip -n red addr add 10.0.0.1 dev veth-red
ip -n red link set veth-red up
