#!/usr/bin/env bash
# Setup of nsgen lab 'masquerade-out', compiled from masquerade-out.ns (target iptables, plain style).
# Creates namespace app; bridge br0; veth pair veth-app-br/veth-app; route in app; iptables chains
# nsgen-masquerade-out-*; net.ipv4.ip_forward=1.
# No checks or rollback: run it once, as root. Undo: nsgen down --style plain masquerade-out.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
mkdir -p /run/nsgen/labs/masquerade-out /run/nsgen/host/net.ipv4.ip_forward # the lab's record (teardown deletes only the namespaces it lists), and where the host's values from before the lab are kept
if [ "$(cat /run/nsgen/labs/masquerade-out/source 2>/dev/null || echo masquerade-out.ns)" != masquerade-out.ns ]; then printf 'nsgen: this lab was set up here from another lab file (see %s); give this one a lab NAME line\n' /run/nsgen/labs/masquerade-out/source >&2; exit 1; fi
echo masquerade-out.ns >/run/nsgen/labs/masquerade-out/source
# masquerade-out.ns:2  ns app
ip netns add app; echo '+ netns app' >>/run/nsgen/labs/masquerade-out/record
ip -n app link set dev lo up
# masquerade-out.ns:3  bridge br0 ip 172.20.0.1/24
ip link add name br0 up type bridge
ip link set dev br0 alias nsgen:masquerade-out # nsgen's teardown deletes only links with this mark
ip addr replace 172.20.0.1/24 dev br0
# masquerade-out.ns:4  veth app<->br0 ip 172.20.0.2/24
ip link add name veth-app-br master br0 up type veth peer name veth-app netns app
ip link set dev veth-app-br alias nsgen:masquerade-out # nsgen's teardown deletes only links with this mark
ip -n app link set dev veth-app addrgenmode none up
ip -n app addr replace 172.20.0.2/24 dev veth-app
# masquerade-out.ns:5  route app default via 172.20.0.1
ip -n app route add default via 172.20.0.1
# firewall: iptables chains nsgen-masquerade-out-*
iptables -t nat -N nsgen-masquerade-out-post
iptables -t nat -A POSTROUTING -j nsgen-masquerade-out-post
iptables -t filter -N nsgen-masquerade-out-fwd
iptables -t filter -I FORWARD -j nsgen-masquerade-out-fwd
# masquerade-out.ns:6  nat masquerade 172.20.0.0/24 out eth0: and accept the subnet's traffic out, and the replies
iptables -t nat -A nsgen-masquerade-out-post -s 172.20.0.0/24 ! -d 172.20.0.0/24 -o eth0 -m comment --comment masquerade-out.ns:6 -j MASQUERADE
iptables -t filter -A nsgen-masquerade-out-fwd -s 172.20.0.0/24 -o eth0 -m comment --comment masquerade-out.ns:6 -j ACCEPT
iptables -t filter -A nsgen-masquerade-out-fwd -d 172.20.0.0/24 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment masquerade-out.ns:6 -j ACCEPT
# net.ipv4.ip_forward=1 (the host must route between the lab and its uplink for NAT to work; the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
echo 1 >/run/nsgen/host/net.ipv4.ip_forward/masquerade-out
echo 1 >/proc/sys/net/ipv4/ip_forward
