ip netns add red
ip -n red link set lo up
ip -n red link add name br0 type bridge
ip -n red link add vx0 type vxlan id 42 local 172.30.0.1 dstport 4789
bridge -n red fdb append 00:00:00:00:00:00 dev vx0 dst 172.30.0.2
bridge -n red fdb add 02:00:00:00:00:09 dev vx0 dst 172.30.0.3
bridge -n red vlan add dev vx0 vid 10
ip -n red link set vx0 master br0 up
