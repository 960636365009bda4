# an Open vSwitch port with a tag and trunks (a native VLAN): the lab's ports are access ports or trunks
ovs-vsctl add-br sw0 -- set bridge sw0 datapath_type=netdev
ip link set sw0 up
ip netns add red
ip -n red link set lo up
ip link add veth-red netns red type veth peer name red-port
ip link set red-port up
ip -n red link set veth-red up
ip -n red addr add 10.0.0.1/24 dev veth-red
ovs-vsctl add-port sw0 red-port tag=10 trunks=20,30
