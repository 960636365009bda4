ip netns add blue
ip exec netns blue ip link set lo up
