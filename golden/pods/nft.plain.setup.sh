#!/usr/bin/env bash
# Setup of nsgen lab 'pods', compiled from pods.ns (target nft, plain style).
# Creates namespaces web, api, db; bridge cni0; veth pairs veth-web-br/eth0, veth-api-br/eth0,
# veth-db-br/eth0; routes in web, api, db; nft table inet nsgen-pods; net.ipv4.ip_forward=1.
# No checks or rollback: run it once, as root. Undo: nsgen down -t nft --style plain pods.ns
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
# firewall: nft table inet nsgen-pods; first, accept what crosses the lab's bridges (the forward hook sees it when br_netfilter is on)
nft -f - <<'RULES'
add table inet nsgen-pods
add chain inet nsgen-pods prerouting { type nat hook prerouting priority dstnat; policy accept; }
add chain inet nsgen-pods postrouting { type nat hook postrouting priority srcnat; policy accept; }
add chain inet nsgen-pods output { type nat hook output priority -100; policy accept; }
add chain inet nsgen-pods hairpin { type nat hook postrouting priority srcnat; policy accept; }
add chain inet nsgen-pods forward { type filter hook forward priority filter; policy accept; }
add rule inet nsgen-pods forward iifname "cni0" oifname "cni0" accept comment "pods.ns:7"
# pods.ns:21  nat masquerade 10.244.1.0/24: and accept the subnet's traffic out, and the replies
add rule inet nsgen-pods postrouting ip saddr 10.244.1.0/24 ip daddr != 10.244.1.0/24 masquerade comment "pods.ns:21"
add rule inet nsgen-pods forward ip saddr 10.244.1.0/24 accept comment "pods.ns:21"
add rule inet nsgen-pods forward ip daddr 10.244.1.0/24 ct state established,related accept comment "pods.ns:21"
# pods.ns:22  forward tcp 30080 -> 10.244.1.10:80: from the host itself too, and from 10.244.1.0/24 (hairpin, masqueraded); accept the connections in, and the replies
add rule inet nsgen-pods prerouting fib daddr type local tcp dport 30080 dnat ip to 10.244.1.10:80 comment "pods.ns:22"
add rule inet nsgen-pods output ip daddr != 127.0.0.0/8 fib daddr type local tcp dport 30080 dnat ip to 10.244.1.10:80 comment "pods.ns:22"
add rule inet nsgen-pods hairpin ip saddr 10.244.1.0/24 ip daddr 10.244.1.10 tcp dport 80 ct status dnat masquerade comment "pods.ns:22"
add rule inet nsgen-pods forward ip daddr 10.244.1.10 tcp dport 80 accept comment "pods.ns:22"
add rule inet nsgen-pods forward ip saddr 10.244.1.10 tcp sport 80 ct state established,related accept comment "pods.ns:22"
RULES
# net.ipv4.ip_forward=1 (the host must route between the lab and its uplink for NAT to work; the value before is kept for teardown)
[ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
echo 1 >/run/nsgen/host/net.ipv4.ip_forward/pods
echo 1 >/proc/sys/net/ipv4/ip_forward
