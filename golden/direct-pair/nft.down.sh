#!/usr/bin/env bash
# Teardown of nsgen lab 'direct-pair', compiled from direct-pair.ns (target nft, default style).
# Removes what the setup script creates (2 namespaces, 1 veth pair), in reverse order,
# and restores net.ipv4.ip_forward. Running it again is harmless.
set -euo pipefail
set -o errtrace # the ERR trap below fires inside functions too

lab=direct-pair

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

# direct-pair.ns:2  ns blue
if netns_exists blue; then
  ip netns del blue
fi

# direct-pair.ns:2  ns red
if netns_exists red; then
  ip netns del red
fi

echo "nsgen: lab '$lab' is down" >&2
