#!/usr/bin/env bash
# Setup of nsgen lab 'v6only', compiled from ipv6-only.ns (target iptables, plain style).
# Creates namespaces a, r, b; bridge br6; veth pairs veth-a-br/veth-a, veth-r-br/veth-r, up/down;
# routes in a, r, b, the host; ip6tables chains nsgen-v6only-*; net.ipv6.conf.all.forwarding=1.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain ipv6-only.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/v6only /run/nsgen/host/net.ipv6.conf.all.forwarding # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/v6only/source 2>/dev/null || echo ipv6-only.ns)" != ipv6-only.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/v6only/source >&2; exit 1; fi
echo ipv6-only.ns >/run/nsgen/labs/v6only/source
# ipv6-only.ns:6  ns a
ip netns add a; echo '+ netns a' >>/run/nsgen/labs/v6only/record
ip -n a link set dev lo up
# ipv6-only.ns:7  ns r
ip netns add r; echo '+ netns r' >>/run/nsgen/labs/v6only/record
ip -n r link set dev lo up
# ipv6-only.ns:8  ns b
ip netns add b; echo '+ netns b' >>/run/nsgen/labs/v6only/record
ip -n b link set dev lo up
# ipv6-only.ns:10  bridge br6 ip fd00:6::1/64
ip link add name br6 up type bridge
ip link set dev br6 alias nsgen:v6only # nsgen's teardown deletes only links with this mark
ip addr replace fd00:6::1/64 dev br6 nodad
# ipv6-only.ns:11  veth a<->br6 ip fd00:6::2/64
ip link add name veth-a-br master br6 up type veth peer name veth-a netns a
ip link set dev veth-a-br alias nsgen:v6only # nsgen's teardown deletes only links with this mark
ip -n a link set dev veth-a addrgenmode none up
ip -n a addr replace fd00:6::2/64 dev veth-a nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n a addr replace fe80::2/64 dev veth-a nodad
# ipv6-only.ns:12  veth r<->br6 ip fd00:6::3
ip link add name veth-r-br master br6 up type veth peer name veth-r netns r
ip link set dev veth-r-br alias nsgen:v6only # nsgen's teardown deletes only links with this mark
ip -n r link set dev veth-r addrgenmode none up
ip -n r addr replace fd00:6::3/64 dev veth-r nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n r addr replace fe80::3/64 dev veth-r nodad
# ipv6-only.ns:13  veth r:up<->b:down ip fd00:7::1/64, fd00:7::2/64
ip -n r link add name up type veth peer name down netns b
ip -n r link set dev up addrgenmode none up
ip -n r addr replace fd00:7::1/64 dev up nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n r addr replace fe80::1/64 dev up nodad
ip -n b link set dev down addrgenmode none up
ip -n b addr replace fd00:7::2/64 dev down nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
ip -n b addr replace fe80::2/64 dev down nodad
# ipv6-only.ns:14  address r:lo fd00:ff::1/128
ip -n r addr replace fd00:ff::1/128 dev lo nodad
# ipv6-only.ns:17  route a default via fd00:6::1
ip -n a route add default via fd00:6::1
# ipv6-only.ns:18  route a fd00:7::/64 via fd00:6::3
ip -n a route add fd00:7::/64 via fd00:6::3
# ipv6-only.ns:19  route r default via fd00:6::1
ip -n r route add default via fd00:6::1
# ipv6-only.ns:20  route b default via fd00:7::1
ip -n b route add default via fd00:7::1
# ipv6-only.ns:21  route host fd00:7::/64 via fd00:6::3
ip route add fd00:7::/64 via fd00:6::3
# firewall: ip6tables chains nsgen-v6only-*; first, accept what crosses the lab's bridges (FORWARD sees it when br_netfilter is on)
ip6tables -t nat -N nsgen-v6only-pre
ip6tables -t nat -A PREROUTING -j nsgen-v6only-pre
ip6tables -t nat -N nsgen-v6only-out
ip6tables -t nat -A OUTPUT -j nsgen-v6only-out
ip6tables -t nat -N nsgen-v6only-post
ip6tables -t nat -A POSTROUTING -j nsgen-v6only-post
ip6tables -t filter -N nsgen-v6only-fwd
ip6tables -t filter -I FORWARD -j nsgen-v6only-fwd
ip6tables -t filter -A nsgen-v6only-fwd -i br6 -o br6 -m comment --comment ipv6-only.ns:10 -j ACCEPT
# ipv6-only.ns:23  nat masquerade fd00:6::/64: and accept the subnet's traffic out, and the replies
ip6tables -t nat -A nsgen-v6only-post -s fd00:6::/64 ! -d fd00:6::/64 -m comment --comment ipv6-only.ns:23 -j MASQUERADE
ip6tables -t filter -A nsgen-v6only-fwd -s fd00:6::/64 -m comment --comment ipv6-only.ns:23 -j ACCEPT
ip6tables -t filter -A nsgen-v6only-fwd -d fd00:6::/64 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment ipv6-only.ns:23 -j ACCEPT
# ipv6-only.ns:24  forward tcp 8080 -> [fd00:7::2]:80: from the host itself too, and from fd00:7::/64 (hairpin, masqueraded); accept the connections in, and the replies
ip6tables -t nat -A nsgen-v6only-pre -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -m comment --comment ipv6-only.ns:24 -j DNAT --to-destination '[fd00:7::2]:80'
ip6tables -t nat -A nsgen-v6only-out ! -d ::1/128 -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -m comment --comment ipv6-only.ns:24 -j DNAT --to-destination '[fd00:7::2]:80'
ip6tables -t nat -A nsgen-v6only-post -s fd00:7::/64 -d fd00:7::2/128 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -m comment --comment ipv6-only.ns:24 -j MASQUERADE
ip6tables -t filter -A nsgen-v6only-fwd -d fd00:7::2/128 -p tcp -m tcp --dport 80 -m comment --comment ipv6-only.ns:24 -j ACCEPT
ip6tables -t filter -A nsgen-v6only-fwd -s fd00:7::2/128 -p tcp -m tcp --sport 80 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment ipv6-only.ns:24 -j ACCEPT
# net.ipv6.conf.all.forwarding=1 (the host must route between the lab and its uplink for NAT to work (IPv6: the host then ignores router advertisements unless accept_ra is 2); the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv6.conf.all.forwarding/value ] || { cat /proc/sys/net/ipv6/conf/all/forwarding >/run/nsgen/host/net.ipv6.conf.all.forwarding/value.new && mv /run/nsgen/host/net.ipv6.conf.all.forwarding/value.new /run/nsgen/host/net.ipv6.conf.all.forwarding/value; }
echo 1 >/run/nsgen/host/net.ipv6.conf.all.forwarding/v6only
echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
# ipv6-only.ns:15  router r
ip netns exec r sysctl -qw net.ipv6.conf.all.forwarding=1
