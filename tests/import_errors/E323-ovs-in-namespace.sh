# ovs-vsctl inside a namespace: Open vSwitch bridges live in the host
ip netns add r1
ip -n r1 link set lo up
ip netns exec r1 ovs-vsctl add-br sw0
