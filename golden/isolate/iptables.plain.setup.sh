#!/usr/bin/env bash
# Setup of nsgen lab 'isolate', compiled from isolate.ns (target iptables, plain style).
# Creates namespaces red, blue, green; bridge br0; veth pairs veth-red-br/veth-red,
# veth-blue-br/veth-blue, veth-green-br/veth-green; route in blue; iptables chains nsgen-isolate-*;
# rules in namespace blue (isolated, 4 allows); net.ipv4.ip_forward=1.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain isolate.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/isolate /run/nsgen/host/net.ipv4.ip_forward # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/isolate/source 2>/dev/null || echo isolate.ns)" != isolate.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/isolate/source >&2; exit 1; fi
echo isolate.ns >/run/nsgen/labs/isolate/source
# isolate.ns:3  ns red
ip netns add red; echo '+ netns red' >>/run/nsgen/labs/isolate/record
ip -n red link set dev lo up
# isolate.ns:4  ns blue
ip netns add blue; echo '+ netns blue' >>/run/nsgen/labs/isolate/record
ip -n blue link set dev lo up
# isolate.ns:5  ns green
ip netns add green; echo '+ netns green' >>/run/nsgen/labs/isolate/record
ip -n green link set dev lo up
# isolate.ns:6  bridge br0 ip 10.0.0.254/24
ip link add name br0 up type bridge
ip link set dev br0 alias nsgen:isolate # nsgen's teardown deletes only links with this mark
ip addr replace 10.0.0.254/24 dev br0
# isolate.ns:7  veth red<->br0 ip 10.0.0.1/24
ip link add name veth-red-br master br0 up type veth peer name veth-red netns red
ip link set dev veth-red-br alias nsgen:isolate # nsgen's teardown deletes only links with this mark
ip -n red link set dev veth-red addrgenmode none up
ip -n red addr replace 10.0.0.1/24 dev veth-red
# isolate.ns:8  veth blue<->br0 ip 10.0.0.2/24
ip link add name veth-blue-br master br0 up type veth peer name veth-blue netns blue
ip link set dev veth-blue-br alias nsgen:isolate # nsgen's teardown deletes only links with this mark
ip -n blue link set dev veth-blue addrgenmode none up
ip -n blue addr replace 10.0.0.2/24 dev veth-blue
# isolate.ns:9  veth green<->br0 ip 10.0.0.3/24
ip link add name veth-green-br master br0 up type veth peer name veth-green netns green
ip link set dev veth-green-br alias nsgen:isolate # nsgen's teardown deletes only links with this mark
ip -n green link set dev veth-green addrgenmode none up
ip -n green addr replace 10.0.0.3/24 dev veth-green
# isolate.ns:10  route blue default via 10.0.0.254
ip -n blue route add default via 10.0.0.254
# firewall: iptables chains nsgen-isolate-*; first, accept what crosses the lab's bridges (FORWARD sees it when br_netfilter is on)
iptables -t nat -N nsgen-isolate-pre
iptables -t nat -A PREROUTING -j nsgen-isolate-pre
iptables -t nat -N nsgen-isolate-out
iptables -t nat -A OUTPUT -j nsgen-isolate-out
iptables -t nat -N nsgen-isolate-post
iptables -t nat -A POSTROUTING -j nsgen-isolate-post
iptables -t filter -N nsgen-isolate-fwd
iptables -t filter -I FORWARD -j nsgen-isolate-fwd
iptables -t filter -A nsgen-isolate-fwd -i br0 -o br0 -m comment --comment isolate.ns:6 -j ACCEPT
# isolate.ns:16  forward tcp 8080 -> 10.0.0.2:8080: from the host itself too, and from 10.0.0.0/24 (hairpin, masqueraded); accept the connections in, and the replies
iptables -t nat -A nsgen-isolate-pre -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -m comment --comment isolate.ns:16 -j DNAT --to-destination 10.0.0.2:8080
iptables -t nat -A nsgen-isolate-out ! -d 127.0.0.0/8 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -m comment --comment isolate.ns:16 -j DNAT --to-destination 10.0.0.2:8080
iptables -t nat -A nsgen-isolate-post -s 10.0.0.0/24 -d 10.0.0.2/32 -p tcp -m tcp --dport 8080 -m conntrack --ctstate DNAT -m comment --comment isolate.ns:16 -j MASQUERADE
iptables -t filter -A nsgen-isolate-fwd -d 10.0.0.2/32 -p tcp -m tcp --dport 8080 -m comment --comment isolate.ns:16 -j ACCEPT
iptables -t filter -A nsgen-isolate-fwd -s 10.0.0.2/32 -p tcp -m tcp --sport 8080 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment isolate.ns:16 -j ACCEPT
# net.ipv4.ip_forward=1 (the host must route between the lab and its uplink for NAT to work; the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
echo 1 >/run/nsgen/host/net.ipv4.ip_forward/isolate
echo 1 >/proc/sys/net/ipv4/ip_forward
ip netns exec blue iptables-restore --noflush <<'RULES'
*filter
:nsgen-isolate-in - [0:0]
# isolate.ns:11  isolate blue: no new connections in but those allowed; lo and replies always
-A nsgen-isolate-in -i lo -m comment --comment "isolate.ns:11" -j ACCEPT
-A nsgen-isolate-in -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "isolate.ns:11" -j ACCEPT
# isolate.ns:12  allow red -> blue tcp 80
-A nsgen-isolate-in -s 10.0.0.1/32 -p tcp -m tcp --dport 80 -m comment --comment "isolate.ns:12" -j ACCEPT
# isolate.ns:13  allow host -> blue tcp 22
-A nsgen-isolate-in -s 10.0.0.254/32 -p tcp -m tcp --dport 22 -m comment --comment "isolate.ns:13" -j ACCEPT
# isolate.ns:14  allow 10.0.0.3 -> blue udp 53
-A nsgen-isolate-in -s 10.0.0.3/32 -p udp -m udp --dport 53 -m comment --comment "isolate.ns:14" -j ACCEPT
# isolate.ns:15  allow outside -> blue tcp 8080: from beyond the lab's subnets (theirs dropped first)
-A nsgen-isolate-in -s 10.0.0.0/24 -p tcp -m tcp --dport 8080 -m comment --comment "isolate.ns:15" -j DROP
-A nsgen-isolate-in -p tcp -m tcp --dport 8080 -m comment --comment "isolate.ns:15" -j ACCEPT
-A nsgen-isolate-in -m comment --comment "isolate.ns:11" -j DROP
-I INPUT -j nsgen-isolate-in
COMMIT
RULES
