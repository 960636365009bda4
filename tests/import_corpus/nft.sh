#!/bin/bash
# nftables style: a pod on a bridge, NAT and a port forward in a table of its own.
ip netns add pod
ip netns exec pod ip link set lo up
ip link add br-pods type bridge
ip addr add 10.88.0.1/16 dev br-pods
ip link set br-pods up
ip link add veth-pod type veth peer name veth-pod-br
ip link set veth-pod netns pod
ip link set veth-pod-br master br-pods up
ip -n pod addr add 10.88.0.2/16 dev veth-pod
ip -n pod link set veth-pod up
ip -n pod route add default via 10.88.0.1
sysctl -qw net.ipv4.ip_forward=1

nft -f - <<'EOF'
table ip podnat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 10.88.0.0/16 ip daddr != 10.88.0.0/16 masquerade
	}
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local tcp dport 8443 dnat to 10.88.0.2:443
	}
}
EOF
