#!/usr/bin/env bash
# Teardown of nsgen lab 'pods', compiled from pods.ns (target nft, default style).
# Removes what the setup script creates (3 namespaces, 1 bridge, 3 veth pairs, 3 routes; firewall rules in nft table ip nsgen-pods), in reverse order,
# and restores net.ipv4.ip_forward. Running it again is harmless.
set -euo pipefail
set -o errtrace # the ERR trap below fires inside functions too

lab=pods

# --- preflight: root, and the tools this script calls
if [ "$(id -u)" -ne 0 ]; then
  echo "nsgen: lab '$lab' teardown must run as root" >&2
  exit 1
fi
need_tool() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "nsgen: '$1' is not installed; it is needed for lab '$lab'" >&2
    exit 1
  fi
}
need_tool ip
need_tool nft
need_tool awk

# netns_exists NAME: true if the network namespace NAME exists (`ip netns add` makes /run/netns/NAME).
netns_exists() {
  [ -e "/run/netns/$1" ]
}

# link_exists NS NAME: true if NS ('' is the host) has an interface NAME.
link_exists() {
  local -a in_ns=()
  if [ -n "$1" ]; then in_ns=(-n "$1"); fi
  ip "${in_ns[@]}" link show dev "$2" >/dev/null 2>&1
}

# link_is NS NAME KIND: true if NS ('' is the host) has an interface NAME of kind KIND.
link_is() {
  local -a in_ns=()
  if [ -n "$1" ]; then in_ns=(-n "$1"); fi
  [ -n "$(ip "${in_ns[@]}" -o link show dev "$2" type "$3" 2>/dev/null)" ]
}

# has_route NS DESTINATION GATEWAY: true if NS ('' is the host) has that route.
has_route() {
  local -a in_ns=()
  if [ -n "$1" ]; then in_ns=(-n "$1"); fi
  [ -n "$(ip "${in_ns[@]}" route show exact "$2" via "$3" 2>/dev/null)" ]
}

# link_gone NS NAME: true if NS ('' is the host) has no interface NAME (any more).
link_gone() {
  ! link_exists "$1" "$2"
}

# remove_rules: delete the lab's nft table, ip nsgen-pods, if present.
remove_rules() {
  if nft list table ip nsgen-pods >/dev/null 2>&1; then
    nft delete table ip nsgen-pods
  fi
}

# --- firewall: remove the lab's rules
# pods.ns:21  nat masquerade 10.244.1.0/24
# pods.ns:22  forward tcp 30080 -> 10.244.1.10:80
remove_rules

# --- namespaces: deleting one removes its interfaces (and their veth peers) and routes

# pods.ns:17  ns db
if netns_exists db; then
  ip netns del db
fi

# pods.ns:13  ns api
if netns_exists api; then
  ip netns del api
fi

# pods.ns:9  ns web
if netns_exists web; then
  ip netns del web
fi

# --- veth ends in the host whose peers were in those namespaces: the kernel removes them with
# their namespaces, in the background and all in one go (far faster than one by one). Wait for
# that (polling, at most 10 s); one still there (a process inside keeps its namespace alive) is
# deleted below.
veths_left() {
  ip -o link show type veth | awk -F': ' -v names=" $* " '
    { sub(/@.*/, "", $2); if (index(names, " " $2 " ")) left++ }
    END { print left + 0 }'
}
for ((tries = 0; tries < 200; tries++)); do
  if [ "$(veths_left veth-web-br veth-api-br veth-db-br)" -eq 0 ]; then break; fi
  sleep 0.05
done

# --- veth ends in the host still there: deleting one end deletes its peer

# pods.ns:18  veth db:eth0<->cni0 ip 10.244.1.12/24
if link_is '' veth-db-br veth; then
  ip link del veth-db-br || link_gone '' veth-db-br # gone meanwhile is fine
fi

# pods.ns:14  veth api:eth0<->cni0 ip 10.244.1.11/24
if link_is '' veth-api-br veth; then
  ip link del veth-api-br || link_gone '' veth-api-br # gone meanwhile is fine
fi

# pods.ns:10  veth web:eth0<->cni0 ip 10.244.1.10/24
if link_is '' veth-web-br veth; then
  ip link del veth-web-br || link_gone '' veth-web-br # gone meanwhile is fine
fi

# --- bridges: only those the lab's setup created (they carry the alias nsgen:LAB); a bridge
# that was there before is left as it is
lab_bridge() {
  [[ $(ip -o link show dev "$1" type bridge 2>/dev/null) == *"alias nsgen:$lab" ]]
}

# pods.ns:7  bridge cni0 ip 10.244.1.1/24
if lab_bridge cni0; then
  ip link del cni0
fi

# --- forwarding: restore net.ipv4.ip_forward as it was before the first setup
if [ -e /run/nsgen/pods/ip_forward ]; then
  cat /run/nsgen/pods/ip_forward >/proc/sys/net/ipv4/ip_forward
  rm -f /run/nsgen/pods/ip_forward
  rmdir /run/nsgen/pods /run/nsgen 2>/dev/null || true
fi

echo "nsgen: lab '$lab' is down" >&2
