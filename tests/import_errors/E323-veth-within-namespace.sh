ip netns add red
ip -n red link add a type veth peer name b
