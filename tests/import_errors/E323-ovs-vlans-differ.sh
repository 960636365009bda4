# two switches linked by a veth whose ends carry different VLANs: the lab gives both ends one setting
ovs-vsctl add-br sw0
ovs-vsctl add-br sw1
ip link set sw0 up
ip link set sw1 up
ip link add a type veth peer name b
ip link set a up
ip link set b up
ovs-vsctl add-port sw0 a trunks=10,20
ovs-vsctl add-port sw1 b tag=10
