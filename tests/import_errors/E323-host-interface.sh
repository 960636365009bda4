ip netns add red
ip link set eth0 mtu 9000
sysctl -p /etc/sysctl.d/lab.conf
