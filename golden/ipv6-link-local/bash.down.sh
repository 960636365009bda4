#!/usr/bin/env bash
# Teardown of nsgen lab 'ipv6-link-local', compiled from ipv6-link-local.ns (target bash, default style).
# Removes what the setup script creates (2 namespaces, 1 bridge, 2 veth pairs), in reverse order,
# and restores net.ipv4.ip_forward. Running it again is harmless.
set -euo pipefail
set -o errtrace # the ERR trap below fires inside functions too

lab=ipv6-link-local

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

# --- namespaces: deleting one removes its interfaces (and their veth peers) and routes

# ipv6-link-local.ns:5  ns blue
if netns_exists blue; then
  ip netns del blue
fi

# ipv6-link-local.ns:4  ns red
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

# ipv6-link-local.ns:8  veth blue<->br0 ip 10.9.0.3/24
if link_is '' veth-blue-br veth; then
  ip link del veth-blue-br || link_gone '' veth-blue-br # gone meanwhile is fine
fi

# ipv6-link-local.ns:7  veth red<->br0 ip 10.9.0.2/24
if link_is '' veth-red-br veth; then
  ip link del veth-red-br || link_gone '' veth-red-br # gone meanwhile is fine
fi

# --- bridges: only those the lab's setup created (they carry the alias nsgen:LAB); a bridge
# that was there before is left as it is
lab_bridge() {
  [[ $(ip -o link show dev "$1" type bridge 2>/dev/null) == *"alias nsgen:$lab" ]]
}

# ipv6-link-local.ns:6  bridge br0 ip 10.9.0.1/24
if lab_bridge br0; then
  ip link del br0
fi

echo "nsgen: lab '$lab' is down" >&2
