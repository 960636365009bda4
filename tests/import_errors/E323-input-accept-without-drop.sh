# An accept in blue's INPUT with nothing dropped after it: it isolates nothing, and the lab
# language's input rules are `isolate` (the rest dropped) with `allow` lines.
ip netns add red
ip netns add blue
ip -n red link set lo up
ip -n blue link set lo up
ip link add eth0 netns red type veth peer name eth0 netns blue
ip -n red addr add 10.0.1.1/24 dev eth0
ip -n blue addr add 10.0.1.2/24 dev eth0
ip -n red link set eth0 up
ip -n blue link set eth0 up
ip netns exec blue iptables -A INPUT -s 10.0.1.1 -p tcp --dport 80 -j ACCEPT
