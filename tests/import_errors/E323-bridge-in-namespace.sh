ip netns add red
ip -n red link add br0 type bridge
