ip netns add r1
ip netns exec r1 echo 1 > /proc/sys/net/ipv4/ip_forward
