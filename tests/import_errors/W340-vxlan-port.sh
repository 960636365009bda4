ip netns add site1
ip link add eth1 netns site1 type veth peer name eth1-host
ip link set eth1-host up
ip -n site1 addr add 172.30.0.1/24 dev eth1
ip -n site1 link set eth1 up
ip -n site1 link add vx0 type vxlan id 42 remote 172.30.0.2 dev eth1
ip -n site1 link set vx0 up
