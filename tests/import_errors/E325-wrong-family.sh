# ip and ip6tables refuse an address of the other family than the command's
ip netns add red
ip -n red link set lo up
ip link add b type veth peer name a netns red
ip link set b up
ip -n red link set a up
ip -6 addr add 10.0.0.1/24 dev b
ip -n red addr add fd00::2/64 dev a nodad
ip addr add fd00::1/64 dev b nodad
ip -4 -n red route add fd00:1::/64 via fd00::1
sysctl -w net.ipv6.conf.all.forwarding=1
ip6tables -t nat -A POSTROUTING -s 10.0.0.0/24 -j MASQUERADE
