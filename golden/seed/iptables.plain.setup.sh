#!/usr/bin/env bash
# Setup of nsgen lab 'seed', compiled from seed.ns (target iptables, plain style).
# Creates namespaces red, blue; bridge v-net-0; veth pairs veth-red-br/veth-red,
# veth-blue-br/veth-blue; routes in blue, red; iptables chains nsgen-seed-*; net.ipv4.ip_forward=1.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain seed.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/seed /run/nsgen/host/net.ipv4.ip_forward # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/seed/source 2>/dev/null || echo seed.ns)" != seed.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/seed/source >&2; exit 1; fi
echo seed.ns >/run/nsgen/labs/seed/source
# seed.ns:9  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/seed/record
ip -n red link set dev lo up
# seed.ns:10  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/seed/record
ip -n blue link set dev lo up
# seed.ns:12  bridge v-net-0 ip 192.168.15.5/24
ip link add name v-net-0 up type bridge
ip link set dev v-net-0 alias nsgen:seed # nsgen's teardown deletes only links with this mark
ip addr replace 192.168.15.5/24 dev v-net-0
# seed.ns:13  veth red<->v-net-0 ip 192.168.15.1/24
ip link add name veth-red-br master v-net-0 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:seed # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 192.168.15.1/24 dev veth-red
# seed.ns:14  veth blue<->v-net-0 ip 192.168.15.2/24
ip link add name veth-blue-br master v-net-0 up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:seed # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue addrgenmode none up
ip -n blue addr replace 192.168.15.2/24 dev veth-blue
# seed.ns:16  route blue 192.168.1.0/24 via 192.168.15.5
ip -n blue route add 192.168.1.0/24 via 192.168.15.5
# seed.ns:17  route blue default via 192.168.15.5
ip -n blue route add default via 192.168.15.5
# seed.ns:18  route red default via 192.168.15.5
ip -n red route add default via 192.168.15.5
# firewall: iptables chains nsgen-seed-*; first, accept what crosses the lab's bridges (FORWARD sees it when br_netfilter is on)
iptables -t nat -N nsgen-seed-pre
iptables -t nat -A PREROUTING -j nsgen-seed-pre
iptables -t nat -N nsgen-seed-out
iptables -t nat -A OUTPUT -j nsgen-seed-out
iptables -t nat -N nsgen-seed-post
iptables -t nat -A POSTROUTING -j nsgen-seed-post
iptables -t filter -N nsgen-seed-fwd
iptables -t filter -I FORWARD -j nsgen-seed-fwd
iptables -t filter -A nsgen-seed-fwd -i v-net-0 -o v-net-0 -m comment --comment seed.ns:12 -j ACCEPT
# seed.ns:20  nat masquerade 192.168.15.0/24: and accept the subnet's traffic out, and the replies
iptables -t nat -A nsgen-seed-post -s 192.168.15.0/24 ! -d 192.168.15.0/24 -m comment --comment seed.ns:20 -j MASQUERADE
iptables -t filter -A nsgen-seed-fwd -s 192.168.15.0/24 -m comment --comment seed.ns:20 -j ACCEPT
iptables -t filter -A nsgen-seed-fwd -d 192.168.15.0/24 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment seed.ns:20 -j ACCEPT
# seed.ns:21  forward tcp 80 -> 192.168.15.2:80: from the host itself too, and from 192.168.15.0/24 (hairpin, masqueraded); accept the connections in, and the replies
iptables -t nat -A nsgen-seed-pre -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 80 -m comment --comment seed.ns:21 -j DNAT --to-destination 192.168.15.2:80
iptables -t nat -A nsgen-seed-out ! -d 127.0.0.0/8 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 80 -m comment --comment seed.ns:21 -j DNAT --to-destination 192.168.15.2:80
iptables -t nat -A nsgen-seed-post -s 192.168.15.0/24 -d 192.168.15.2/32 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -m comment --comment seed.ns:21 -j MASQUERADE
iptables -t filter -A nsgen-seed-fwd -d 192.168.15.2/32 -p tcp -m tcp --dport 80 -m comment --comment seed.ns:21 -j ACCEPT
iptables -t filter -A nsgen-seed-fwd -s 192.168.15.2/32 -p tcp -m tcp --sport 80 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment seed.ns:21 -j ACCEPT
# net.ipv4.ip_forward=1 (the host must route between the lab and its uplink for NAT to work; the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
echo 1 >/run/nsgen/host/net.ipv4.ip_forward/seed
echo 1 >/proc/sys/net/ipv4/ip_forward
