# an Open vSwitch internal port (and a controller): the lab's ports are veth ends
ovs-vsctl add-br sw0
ip link set sw0 up
ovs-vsctl add-port sw0 mgmt0 -- set interface mgmt0 type=internal
ovs-vsctl set-controller sw0 tcp:127.0.0.1:6653
