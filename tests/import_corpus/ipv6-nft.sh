#!/bin/bash
# An IPv6-only lab with nft: namespace a sits behind the router namespace r, which is on a bridge
# with the host. No IPv4 anywhere; the host masquerades and forwards in an nft `inet` table.
set -euo pipefail

ip netns add a
ip netns add r
ip -n a link set lo up
ip -n r link set lo up

# the bridge, and r on it
ip link add br6 type bridge
ip link set br6 up
ip -6 addr add fd00:6::1/64 dev br6 nodad
ip link add veth-r type veth peer name veth-r-br
ip link set veth-r netns r
ip link set veth-r-br master br6 up
ip -n r link set veth-r up
ip -n r addr add fd00:6::2/64 dev veth-r nodad

# a behind r, on a link of its own
ip -n r link add eth-a type veth peer name eth-r netns a
ip -n r link set eth-a up
ip -n a link set eth-r up
ip -n r -6 addr add fd00:7::1/64 dev eth-a nodad
ip -n a -6 addr add fd00:7::2/64 dev eth-r nodad

# r routes IPv6; routes of each side to the other
ip netns exec r sysctl -w net.ipv6.conf.all.forwarding=1
ip -n a -6 route add default via fd00:7::1
ip -n r -6 route add default via fd00:6::1
ip -6 route add fd00:7::/64 via fd00:6::2

# the host: forwarding, masquerade of both subnets, port 8080 to a's port 80
sysctl -w net.ipv6.conf.all.forwarding=1
nft -f - <<'EOF'
table inet lab6 {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		ip6 saddr fd00:6::/64 ip6 daddr != fd00:6::/64 masquerade
		ip6 saddr fd00:7::/64 ip6 daddr != fd00:7::/64 masquerade
	}
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local tcp dport 8080 dnat ip6 to [fd00:7::2]:80
	}
}
EOF

# a reaches the host through r (-w 5: a single ping right after the setup went unanswered in the
# sandbox, likely while the kernel's own link-local addresses were still tentative; not proven)
ip netns exec a ping -c 1 -w 5 fd00:6::1
