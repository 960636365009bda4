ovs-vsctl add-br ovs0
