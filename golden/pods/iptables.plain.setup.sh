#!/usr/bin/env bash
# Setup of nsgen lab 'pods', compiled from pods.ns (target iptables, plain style).
# Creates namespaces web, api, db; bridge cni0; veth pairs veth-web-br/eth0, veth-api-br/eth0,
# veth-db-br/eth0; routes in web, api, db; iptables chains nsgen-pods-*; net.ipv4.ip_forward=1.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain pods.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/pods /run/nsgen/host/net.ipv4.ip_forward # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/pods/source 2>/dev/null || echo pods.ns)" != pods.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/pods/source >&2; exit 1; fi
echo pods.ns >/run/nsgen/labs/pods/source
# pods.ns:9  ns web
ip netns add web; echo '+ netns web' >>/run/nsgen/labs/pods/record
ip -n web link set dev lo up
# pods.ns:13  ns api
ip netns add api; echo '+ netns api' >>/run/nsgen/labs/pods/record
ip -n api link set dev lo up
# pods.ns:17  ns db
ip netns add db; echo '+ netns db' >>/run/nsgen/labs/pods/record
ip -n db link set dev lo up
# pods.ns:7  bridge cni0 ip 10.244.1.1/24
ip link add name cni0 up type bridge
ip link set dev cni0 alias nsgen:pods # nsgen's teardown deletes only links with this mark
ip addr replace 10.244.1.1/24 dev cni0
# pods.ns:10  veth web:eth0<->cni0 ip 10.244.1.10/24
ip link add name veth-web-br master cni0 up type veth peer name eth0 netns web
ip link set dev veth-web-br alias nsgen:pods # nsgen's teardown deletes only links with this mark
ip -n web link set dev eth0 addrgenmode none up
ip -n web addr replace 10.244.1.10/24 dev eth0
# pods.ns:14  veth api:eth0<->cni0 ip 10.244.1.11/24
ip link add name veth-api-br master cni0 up type veth peer name eth0 netns api
ip link set dev veth-api-br alias nsgen:pods # nsgen's teardown deletes only links with this mark
ip -n api link set dev eth0 addrgenmode none up
ip -n api addr replace 10.244.1.11/24 dev eth0
# pods.ns:18  veth db:eth0<->cni0 ip 10.244.1.12/24
ip link add name veth-db-br master cni0 up type veth peer name eth0 netns db
ip link set dev veth-db-br alias nsgen:pods # nsgen's teardown deletes only links with this mark
ip -n db link set dev eth0 addrgenmode none up
ip -n db addr replace 10.244.1.12/24 dev eth0
# pods.ns:11  route web default via 10.244.1.1
ip -n web route add default via 10.244.1.1
# pods.ns:15  route api default via 10.244.1.1
ip -n api route add default via 10.244.1.1
# pods.ns:19  route db default via 10.244.1.1
ip -n db route add default via 10.244.1.1
# firewall: iptables chains nsgen-pods-*; first, accept what crosses the lab's bridges (FORWARD sees it when br_netfilter is on)
iptables -t nat -N nsgen-pods-pre
iptables -t nat -A PREROUTING -j nsgen-pods-pre
iptables -t nat -N nsgen-pods-out
iptables -t nat -A OUTPUT -j nsgen-pods-out
iptables -t nat -N nsgen-pods-post
iptables -t nat -A POSTROUTING -j nsgen-pods-post
iptables -t filter -N nsgen-pods-fwd
iptables -t filter -I FORWARD -j nsgen-pods-fwd
iptables -t filter -A nsgen-pods-fwd -i cni0 -o cni0 -m comment --comment pods.ns:7 -j ACCEPT
# pods.ns:21  nat masquerade 10.244.1.0/24: and accept the subnet's traffic out, and the replies
iptables -t nat -A nsgen-pods-post -s 10.244.1.0/24 ! -d 10.244.1.0/24 -m comment --comment pods.ns:21 -j MASQUERADE
iptables -t filter -A nsgen-pods-fwd -s 10.244.1.0/24 -m comment --comment pods.ns:21 -j ACCEPT
iptables -t filter -A nsgen-pods-fwd -d 10.244.1.0/24 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment pods.ns:21 -j ACCEPT
# pods.ns:22  forward tcp 30080 -> 10.244.1.10:80: from the host itself too, and from 10.244.1.0/24 (hairpin, masqueraded); accept the connections in, and the replies
iptables -t nat -A nsgen-pods-pre -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 30080 -m comment --comment pods.ns:22 -j DNAT --to-destination 10.244.1.10:80
iptables -t nat -A nsgen-pods-out ! -d 127.0.0.0/8 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 30080 -m comment --comment pods.ns:22 -j DNAT --to-destination 10.244.1.10:80
iptables -t nat -A nsgen-pods-post -s 10.244.1.0/24 -d 10.244.1.10/32 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -m comment --comment pods.ns:22 -j MASQUERADE
iptables -t filter -A nsgen-pods-fwd -d 10.244.1.10/32 -p tcp -m tcp --dport 80 -m comment --comment pods.ns:22 -j ACCEPT
iptables -t filter -A nsgen-pods-fwd -s 10.244.1.10/32 -p tcp -m tcp --sport 80 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment pods.ns:22 -j ACCEPT
# net.ipv4.ip_forward=1 (the host must route between the lab and its uplink for NAT to work; the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
echo 1 >/run/nsgen/host/net.ipv4.ip_forward/pods
echo 1 >/proc/sys/net/ipv4/ip_forward
