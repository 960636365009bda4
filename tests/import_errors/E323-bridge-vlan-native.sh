ip netns add red
ip -n red link set lo up
ip link add name br0 up type bridge vlan_filtering 1
ip link add name veth-red-br master br0 up type veth peer name veth-red netns red
ip -n red link set veth-red up
bridge vlan add dev veth-red-br vid 10 pvid untagged
bridge vlan add dev veth-red-br vid 20
ip link set dev br0 type bridge stp_state 1
