ip netns add red
ip -n red addr add fd00::1/64 dev lo
ip -6 route add default via fd00::2
