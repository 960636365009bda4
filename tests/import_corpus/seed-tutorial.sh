ip netns add red

ip netns add blue

ip netns list

ip link
# 1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000 ...
# 2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP mode DEFAULT group default qlen 1000 ...

# We will see only the default network namespace's host interfaces.

ip netns exec red ip link
# 1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000 ...

# We will see the red network namespace's interfaces if there is any.
# We don't have eth0 interface in the red network namespace.

arp
# Address                  HWtype  HWaddress           Flags Mask            Iface
# 172.17.0.21              ether   02:42:ac:11:00:15   C                     eth0
# ....

ip netns exec red arp
# Address                  HWtype  HWaddress           Flags Mask            Iface

route
# Kernel IP routing table
# Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
# default         _gateway        0.0.0.0         UG    100    0        0 eth0
# ....

ip netns exec red route
# Kernel IP routing table
# Destination     Gateway         Genmask         Flags Metric Ref    Use Iface

ip link add veth-red type veth peer name veth-blue

ip link
# 1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000 ...
# 2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP mode DEFAULT group default qlen 1000 ...
# 3: veth-red: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000 ...
# 4: veth-blue: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000 ...

ip link set veth-red netns red # (veth-red is moved to the red network namespace)
ip link set veth-blue netns blue # (veth-blue is moved to the blue network namespace)

ip link
# 1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000 ...
# 2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP mode DEFAULT group default qlen 1000 ...

# You can't see the veth-red and veth-blue interfaces in the default network namespace after moving them to the red and blue network namespaces.

# We should set an IP address for the veth-red interface in the red network namespace.
# dev is used to specify the device.
ip netns exec red ip addr add 192.168.15.1 dev veth-red
# veth-red interface should be up. 
ip netns exec red ip link set veth-red up

# We should set an IP address for the veth-blue interface in the blue network namespace.
# dev is used to specify the device.
ip netns exec blue ip addr add 192.168.15.2 dev veth-blue
# veth-blue interface should be up.
ip netns exec blue ip link set veth-blue up

arp
# We won't see new interfaces in the default network namespace's ARP table.

ip netns exec red arp
# Address                  HWtype  HWaddress           Flags Mask            Iface
# 192.168.15.2             ether   0a:0b:0c:0d:0e:0f   C                     veth-red

ip netns exec blue arp
# Address                  HWtype  HWaddress           Flags Mask            Iface
# 192.168.15.2             ether   0a:0b:0c:0d:0e:0f   C                     veth-blue (veth-blue is looking for the veth-red ip address)

ip link add v-net-0 type bridge

ip link
# ...
# 5: v-net-0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000 ...

# We should set the v-net-0 interface up.
ip link set v-net-0 up

ip netns exec red ip link del veth-red
ip netns exec blue ip link del veth-blue

ip link add veth-red type veth peer name veth-red-br
ip link add veth-blue type veth peer name veth-blue-br

ip link set veth-red netns red
ip link set veth-blue netns blue

ip link set veth-red-br master v-net-0
ip link set veth-blue-br master v-net-0

ip netns exec red ip addr add 192.168.15.1 dev veth-red
ip netns exec red ip link set veth-red up

ip netns exec blue ip addr add 192.168.15.2 dev veth-blue
ip netns exec blue ip link set veth-blue up

ip addr add 192.168.15.5/24 dev v-net-0

# 192.168.15.2 is the blue network namespace's ip address. We will send a ping request to the blue network namespace. It will go to the bridge interface.
# The bridge interface will forward the packets to the blue network namespace.
ip netns exec red ping 192.168.15.2
# PING ....

ip exec netns blue ip route add 192.168.1.0/24 via 192.168.15.5

# We said, if blue network namespace wants to communicate with the 192.168.1.0/24 network, forward the packets to the 192.168.15.5 ip address.

ip exec netns blue ip route add default via 192.168.15.5

# Nat is used to translate the ip addresses.
# So, Nat will translate the bridge interface's ip address to the eth0 interface's ip address.
# And it will do that just when the packets are going to the outside of the host. (POSTROUTING)
# Masquerade is a type of NAT. It is used to translate the ip addresses to the host's ip address.
# Then, with this command, all other network spaces will come to bridge. Bridge ip address will be translated to the host's ip address.
# And requests will go to the outside of the host.
iptables -t nat -A POSTROUTING -s 192.168.15.0/24 -j MASQUERADE

# When any request comes to the host's eth0 interface from 80 port, forward the packets to the blue network namespace's 80 port directly.
iptables -t nat -A PREROUTING -d 80 --to-destination 192.168.15.2:80 -j DNAT

