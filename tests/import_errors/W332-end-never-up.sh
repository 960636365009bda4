ip netns add red
ip link add v-net-0 type bridge
ip link set v-net-0 up
ip link add veth-red type veth peer name veth-red-br
ip link set veth-red netns red
ip link set veth-red-br master v-net-0
ip -n red link set veth-red up
