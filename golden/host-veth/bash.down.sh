#!/usr/bin/env bash
# Teardown of nsgen lab 'host-veth', compiled from host-veth.ns (target bash, default style).
# Removes what the setup script creates (1 namespace, 1 veth pair, 2 routes), in reverse order,
# and restores net.ipv4.ip_forward. Running it again is harmless.
set -euo pipefail
set -o errtrace # the ERR trap below fires inside functions too

lab=host-veth

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

# --- routes in the host (routes inside the lab's namespaces go with them)

# host-veth.ns:5  route host 10.9.0.0/24 via 10.0.0.2
if has_route '' 10.9.0.0/24 10.0.0.2; then
  ip route del 10.9.0.0/24 via 10.0.0.2
fi

# --- namespaces: deleting one removes its interfaces (and their veth peers) and routes

# host-veth.ns:2  ns red
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
  if [ "$(veths_left veth-red-host)" -eq 0 ]; then break; fi
  sleep 0.05
done

# --- veth ends in the host still there: deleting one end deletes its peer

# host-veth.ns:3  veth host<->red ip 10.0.0.1/30, 10.0.0.2/30
if link_is '' veth-red-host veth; then
  ip link del veth-red-host || link_gone '' veth-red-host # gone meanwhile is fine
fi

echo "nsgen: lab '$lab' is down" >&2
