#!/usr/bin/env bash
# Setup of nsgen lab 'dualstack', compiled from dualstack.ns (target iptables, plain style).
# Creates namespaces red, blue; bridge v-net-0; veth pairs veth-red-br/veth-red,
# veth-blue-br/veth-blue; routes in blue, red; iptables and ip6tables chains nsgen-dualstack-*;
# net.ipv4.ip_forward=1; net.ipv6.conf.all.forwarding=1.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain dualstack.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/dualstack /run/nsgen/host/net.ipv4.ip_forward /run/nsgen/host/net.ipv6.conf.all.forwarding # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/dualstack/source 2>/dev/null || echo dualstack.ns)" != dualstack.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/dualstack/source >&2; exit 1; fi
echo dualstack.ns >/run/nsgen/labs/dualstack/source
# dualstack.ns:9  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/dualstack/record
ip -n red link set dev lo up
# dualstack.ns:10  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/dualstack/record
ip -n blue link set dev lo up
# dualstack.ns:12  bridge v-net-0 ip 192.168.15.5/24, fd00:15::5/64
ip link add name v-net-0 up type bridge
ip link set dev v-net-0 alias nsgen:dualstack # nsgen's teardown deletes only links with this mark
ip addr replace 192.168.15.5/24 dev v-net-0
ip addr replace fd00:15::5/64 dev v-net-0 nodad
# dualstack.ns:13  veth red<->v-net-0 ip 192.168.15.1/24, fd00:15::1/64
ip link add name veth-red-br master v-net-0 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:dualstack # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 192.168.15.1/24 dev veth-red
ip -n red addr replace fd00:15::1/64 dev veth-red nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n red addr replace fe80::1/64 dev veth-red nodad
# dualstack.ns:14  veth blue<->v-net-0 ip 192.168.15.2/24, fd00:15::2/64
ip link add name veth-blue-br master v-net-0 up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:dualstack # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue addrgenmode none up
ip -n blue addr replace 192.168.15.2/24 dev veth-blue
ip -n blue addr replace fd00:15::2/64 dev veth-blue nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n blue addr replace fe80::2/64 dev veth-blue nodad
# dualstack.ns:16  route blue 192.168.1.0/24 via 192.168.15.5
ip -n blue route add 192.168.1.0/24 via 192.168.15.5
# dualstack.ns:17  route blue default via 192.168.15.5
ip -n blue route add default via 192.168.15.5
# dualstack.ns:18  route blue default via fd00:15::5
ip -n blue route add default via fd00:15::5
# dualstack.ns:19  route red default via 192.168.15.5
ip -n red route add default via 192.168.15.5
# dualstack.ns:20  route red default via fd00:15::5
ip -n red route add default via fd00:15::5
# firewall: iptables and ip6tables chains nsgen-dualstack-*; first, accept what crosses the lab's bridges (FORWARD sees it when br_netfilter is on)
iptables -t nat -N nsgen-dualstack-pre
iptables -t nat -A PREROUTING -j nsgen-dualstack-pre
iptables -t nat -N nsgen-dualstack-out
iptables -t nat -A OUTPUT -j nsgen-dualstack-out
iptables -t nat -N nsgen-dualstack-post
iptables -t nat -A POSTROUTING -j nsgen-dualstack-post
iptables -t filter -N nsgen-dualstack-fwd
iptables -t filter -I FORWARD -j nsgen-dualstack-fwd
ip6tables -t nat -N nsgen-dualstack-pre
ip6tables -t nat -A PREROUTING -j nsgen-dualstack-pre
ip6tables -t nat -N nsgen-dualstack-out
ip6tables -t nat -A OUTPUT -j nsgen-dualstack-out
ip6tables -t nat -N nsgen-dualstack-post
ip6tables -t nat -A POSTROUTING -j nsgen-dualstack-post
ip6tables -t filter -N nsgen-dualstack-fwd
ip6tables -t filter -I FORWARD -j nsgen-dualstack-fwd
iptables -t filter -A nsgen-dualstack-fwd -i v-net-0 -o v-net-0 -m comment --comment dualstack.ns:12 -j ACCEPT
ip6tables -t filter -A nsgen-dualstack-fwd -i v-net-0 -o v-net-0 -m comment --comment dualstack.ns:12 -j ACCEPT
# dualstack.ns:22  nat masquerade 192.168.15.0/24: and accept the subnet's traffic out, and the replies
iptables -t nat -A nsgen-dualstack-post -s 192.168.15.0/24 ! -d 192.168.15.0/24 -m comment --comment dualstack.ns:22 -j MASQUERADE
iptables -t filter -A nsgen-dualstack-fwd -s 192.168.15.0/24 -m comment --comment dualstack.ns:22 -j ACCEPT
iptables -t filter -A nsgen-dualstack-fwd -d 192.168.15.0/24 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment dualstack.ns:22 -j ACCEPT
# dualstack.ns:23  nat masquerade fd00:15::/64: and accept the subnet's traffic out, and the replies
ip6tables -t nat -A nsgen-dualstack-post -s fd00:15::/64 ! -d fd00:15::/64 -m comment --comment dualstack.ns:23 -j MASQUERADE
ip6tables -t filter -A nsgen-dualstack-fwd -s fd00:15::/64 -m comment --comment dualstack.ns:23 -j ACCEPT
ip6tables -t filter -A nsgen-dualstack-fwd -d fd00:15::/64 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment dualstack.ns:23 -j ACCEPT
# dualstack.ns:24  forward tcp 80 -> 192.168.15.2:80: from the host itself too, and from 192.168.15.0/24 (hairpin, masqueraded); accept the connections in, and the replies
iptables -t nat -A nsgen-dualstack-pre -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 80 -m comment --comment dualstack.ns:24 -j DNAT --to-destination 192.168.15.2:80
iptables -t nat -A nsgen-dualstack-out ! -d 127.0.0.0/8 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 80 -m comment --comment dualstack.ns:24 -j DNAT --to-destination 192.168.15.2:80
iptables -t nat -A nsgen-dualstack-post -s 192.168.15.0/24 -d 192.168.15.2/32 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -m comment --comment dualstack.ns:24 -j MASQUERADE
iptables -t filter -A nsgen-dualstack-fwd -d 192.168.15.2/32 -p tcp -m tcp --dport 80 -m comment --comment dualstack.ns:24 -j ACCEPT
iptables -t filter -A nsgen-dualstack-fwd -s 192.168.15.2/32 -p tcp -m tcp --sport 80 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment dualstack.ns:24 -j ACCEPT
# dualstack.ns:25  forward tcp 80 -> [fd00:15::2]:80: from the host itself too, and from fd00:15::/64 (hairpin, masqueraded); accept the connections in, and the replies
ip6tables -t nat -A nsgen-dualstack-pre -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 80 -m comment --comment dualstack.ns:25 -j DNAT --to-destination '[fd00:15::2]:80'
ip6tables -t nat -A nsgen-dualstack-out ! -d ::1/128 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 80 -m comment --comment dualstack.ns:25 -j DNAT --to-destination '[fd00:15::2]:80'
ip6tables -t nat -A nsgen-dualstack-post -s fd00:15::/64 -d fd00:15::2/128 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -m comment --comment dualstack.ns:25 -j MASQUERADE
ip6tables -t filter -A nsgen-dualstack-fwd -d fd00:15::2/128 -p tcp -m tcp --dport 80 -m comment --comment dualstack.ns:25 -j ACCEPT
ip6tables -t filter -A nsgen-dualstack-fwd -s fd00:15::2/128 -p tcp -m tcp --sport 80 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment dualstack.ns:25 -j ACCEPT
# net.ipv4.ip_forward=1 (the host must route between the lab and its uplink for NAT to work; the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
echo 1 >/run/nsgen/host/net.ipv4.ip_forward/dualstack
echo 1 >/proc/sys/net/ipv4/ip_forward
[ -e /run/nsgen/host/net.ipv6.conf.all.forwarding/value ] || { cat /proc/sys/net/ipv6/conf/all/forwarding >/run/nsgen/host/net.ipv6.conf.all.forwarding/value.new && mv /run/nsgen/host/net.ipv6.conf.all.forwarding/value.new /run/nsgen/host/net.ipv6.conf.all.forwarding/value; }
echo 1 >/run/nsgen/host/net.ipv6.conf.all.forwarding/dualstack
echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
