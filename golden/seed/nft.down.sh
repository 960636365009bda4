#!/usr/bin/env bash
# Teardown of nsgen lab 'seed', compiled from seed.ns (target nft, default style).
# Removes what the setup script creates (2 namespaces, 1 bridge, 2 veth pairs, 3 routes; firewall rules in nft table ip nsgen-seed), in reverse order,
# and restores net.ipv4.ip_forward. Running it again is harmless.
set -euo pipefail
set -o errtrace # the ERR trap below fires inside functions too

lab=seed

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

# remove_rules: delete the lab's nft table, ip nsgen-seed, if present.
remove_rules() {
  if nft list table ip nsgen-seed >/dev/null 2>&1; then
    nft delete table ip nsgen-seed
  fi
}

# --- firewall: remove the lab's rules
# seed.ns:20  nat masquerade 192.168.15.0/24
# seed.ns:21  forward tcp 80 -> 192.168.15.2:80
remove_rules

# --- namespaces: deleting one removes its interfaces (and their veth peers) and routes

# seed.ns:10  ns blue
if netns_exists blue; then
  ip netns del blue
fi

# seed.ns:9  ns red
if netns_exists red; then
  ip netns del red
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
  if [ "$(veths_left veth-red-br veth-blue-br)" -eq 0 ]; then break; fi
  sleep 0.05
done

# --- veth ends in the host still there: deleting one end deletes its peer

# seed.ns:14  veth blue<->v-net-0 ip 192.168.15.2/24
if link_is '' veth-blue-br veth; then
  ip link del veth-blue-br || link_gone '' veth-blue-br # gone meanwhile is fine
fi

# seed.ns:13  veth red<->v-net-0 ip 192.168.15.1/24
if link_is '' veth-red-br veth; then
  ip link del veth-red-br || link_gone '' veth-red-br # gone meanwhile is fine
fi

# --- bridges: only those the lab's setup created (they carry the alias nsgen:LAB); a bridge
# that was there before is left as it is
lab_bridge() {
  [[ $(ip -o link show dev "$1" type bridge 2>/dev/null) == *"alias nsgen:$lab" ]]
}

# seed.ns:12  bridge v-net-0 ip 192.168.15.5/24
if lab_bridge v-net-0; then
  ip link del v-net-0
fi

# --- forwarding: restore net.ipv4.ip_forward as it was before the first setup
if [ -e /run/nsgen/seed/ip_forward ]; then
  cat /run/nsgen/seed/ip_forward >/proc/sys/net/ipv4/ip_forward
  rm -f /run/nsgen/seed/ip_forward
  rmdir /run/nsgen/seed /run/nsgen 2>/dev/null || true
fi

echo "nsgen: lab '$lab' is down" >&2
