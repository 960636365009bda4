ip link add br0 type bridge
ip addr add 10.0.0.1/24 dev br0
