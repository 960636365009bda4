#!/usr/bin/env bash
# Setup of nsgen lab 'forward-paths', compiled from forward-paths.ns (target iptables, plain style).
# Creates namespaces red, blue, far; bridges br0, br1; veth pairs veth-red-br/veth-red,
# veth-blue-br/veth-blue, veth-far-br/veth-far; routes in blue, red, far; iptables chains
# nsgen-forward-paths-*; net.ipv4.ip_forward=1.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain forward-paths.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/forward-paths /run/nsgen/host/net.ipv4.ip_forward # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/forward-paths/source 2>/dev/null || echo forward-paths.ns)" != forward-paths.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/forward-paths/source >&2; exit 1; fi
echo forward-paths.ns >/run/nsgen/labs/forward-paths/source
# forward-paths.ns:4  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/forward-paths/record
ip -n red link set dev lo up
# forward-paths.ns:5  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/forward-paths/record
ip -n blue link set dev lo up
# forward-paths.ns:6  ns far
ip netns add far; echo '+ netns far' >>/run/nsgen/labs/forward-paths/record
ip -n far link set dev lo up
# forward-paths.ns:7  bridge br0 ip 10.0.0.254/24
ip link add name br0 up type bridge
ip link set dev br0 alias nsgen:forward-paths # nsgen's teardown deletes only links with this mark
ip addr replace 10.0.0.254/24 dev br0
# forward-paths.ns:8  bridge br1 ip 10.0.1.254/24
ip link add name br1 up type bridge
ip link set dev br1 alias nsgen:forward-paths # nsgen's teardown deletes only links with this mark
ip addr replace 10.0.1.254/24 dev br1
# forward-paths.ns:9  veth red<->br0 ip 10.0.0.1/24
ip link add name veth-red-br master br0 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:forward-paths # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 10.0.0.1/24 dev veth-red
# forward-paths.ns:10  veth blue<->br0 ip 10.0.0.2/24
ip link add name veth-blue-br master br0 up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:forward-paths # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue addrgenmode none up
ip -n blue addr replace 10.0.0.2/24 dev veth-blue
# forward-paths.ns:11  veth far<->br1 ip 10.0.1.1/24
ip link add name veth-far-br master br1 up type veth peer name veth-far netns far
ip link set dev veth-far-br alias nsgen:forward-paths # nsgen's teardown deletes only links with this mark
ip -n far link set dev veth-far addrgenmode none up
ip -n far addr replace 10.0.1.1/24 dev veth-far
# forward-paths.ns:12  route blue default via 10.0.0.254
ip -n blue route add default via 10.0.0.254
# forward-paths.ns:13  route red default via 10.0.0.254
ip -n red route add default via 10.0.0.254
# forward-paths.ns:14  route far default via 10.0.1.254
ip -n far route add default via 10.0.1.254
# firewall: iptables chains nsgen-forward-paths-*; first, accept what crosses the lab's bridges (FORWARD sees it when br_netfilter is on)
iptables -t nat -N nsgen-forward-paths-pre
iptables -t nat -A PREROUTING -j nsgen-forward-paths-pre
iptables -t nat -N nsgen-forward-paths-out
iptables -t nat -A OUTPUT -j nsgen-forward-paths-out
iptables -t nat -N nsgen-forward-paths-post
iptables -t nat -A POSTROUTING -j nsgen-forward-paths-post
iptables -t filter -N nsgen-forward-paths-fwd
iptables -t filter -I FORWARD -j nsgen-forward-paths-fwd
iptables -t filter -A nsgen-forward-paths-fwd -i br0 -o br0 -m comment --comment forward-paths.ns:7 -j ACCEPT
# forward-paths.ns:15  forward tcp 8080 -> 10.0.0.2:80: from the host itself too, and from 10.0.0.0/24 (hairpin, masqueraded); accept the connections in, and the replies
iptables -t nat -A nsgen-forward-paths-pre -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -m comment --comment forward-paths.ns:15 -j DNAT --to-destination 10.0.0.2:80
iptables -t nat -A nsgen-forward-paths-out ! -d 127.0.0.0/8 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -m comment --comment forward-paths.ns:15 -j DNAT --to-destination 10.0.0.2:80
iptables -t nat -A nsgen-forward-paths-post -s 10.0.0.0/24 -d 10.0.0.2/32 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -m comment --comment forward-paths.ns:15 -j MASQUERADE
iptables -t filter -A nsgen-forward-paths-fwd -d 10.0.0.2/32 -p tcp -m tcp --dport 80 -m comment --comment forward-paths.ns:15 -j ACCEPT
iptables -t filter -A nsgen-forward-paths-fwd -s 10.0.0.2/32 -p tcp -m tcp --sport 80 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment forward-paths.ns:15 -j ACCEPT
# net.ipv4.ip_forward=1 (the host must route between the lab and its uplink for NAT to work; the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
echo 1 >/run/nsgen/host/net.ipv4.ip_forward/forward-paths
echo 1 >/proc/sys/net/ipv4/ip_forward
