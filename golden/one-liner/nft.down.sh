#!/usr/bin/env bash
# Teardown of nsgen lab 'one-liner', compiled from one-liner.ns (target nft, default style).
# Removes what the setup script creates (namespace red; bridge v-net-0; veth pair
# veth-red-br/veth-red; rules in nft table ip nsgen-one-liner (masquerade 192.168.15.0/24);
# net.ipv4.ip_forward=1), in reverse order, and restores the sysctls it set. Running it again is
# harmless.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=one-liner

main() {
  preflight
  # The lab's steps. Bash reads and runs them one after another from this here-document: kept
  # as one function body, a big lab's steps would make every command bash starts slower to start.
  # shellcheck source=/dev/null
  source /dev/fd/3 3<<'STEPS'

# firewall: nft table ip nsgen-one-liner
remove_rules

# one-liner.ns:1  ns red
if netns_exists red; then
  ip netns del red
fi

# The host's veth ends whose peers were in those namespaces go with them: the kernel removes
# them in the background, all at once (far faster than one by one). Wait for that; one still
# there (a process inside keeps its namespace alive) is deleted below.
veths_gone veth-red-br || true

# one-liner.ns:1  veth red<->v-net-0 ip 192.168.15.1
if lab_link veth-red-br veth; then # only if this lab's setup created it
  ip link del dev veth-red-br || link_gone '' veth-red-br # gone meanwhile is fine
fi
if lab_link v-net-0 bridge; then # only if this lab's setup created it
  ip link del dev v-net-0 || link_gone '' v-net-0 # gone meanwhile is fine
fi

# restore net.ipv4.ip_forward
if [ -e /run/nsgen/one-liner/net.ipv4.ip_forward ]; then
  cat /run/nsgen/one-liner/net.ipv4.ip_forward >/proc/sys/net/ipv4/ip_forward
  rm -f /run/nsgen/one-liner/net.ipv4.ip_forward
  rmdir /run/nsgen/one-liner /run/nsgen 2>/dev/null || true
fi
STEPS

  echo "nsgen: lab '$lab' is down" >&2
}

# preflight: stop before anything is done unless this runs as root and has the tools it calls.
preflight() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "nsgen: lab '$lab' teardown must run as root" >&2
    exit 1
  fi
  need_tool ip
  need_tool nft
  need_tool awk
}

# need_tool NAME: stop unless the command NAME is installed.
need_tool() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "nsgen: '$1' is not installed; it is needed for lab '$lab'" >&2
    exit 1
  fi
}

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

# link_gone NS NAME: true if NS ('' is the host) has no interface NAME (any more).
link_gone() {
  ! link_exists "$1" "$2"
}

# lab_link NAME KIND: true if the host's interface NAME is a KIND this lab's setup created: it
# carries the alias nsgen:one-liner (matched as the alias field, whatever else, altnames say, is listed).
lab_link() {
  ip link show dev "$1" type "$2" 2>/dev/null |
    awk -v mark=nsgen:one-liner '$1 == "alias" && $2 == mark && NF == 2 { ours = 1 } END { exit !ours }'
}

# remove_rules: delete the lab's nft table, ip nsgen-one-liner, if present.
remove_rules() {
  if nft list table ip nsgen-one-liner >/dev/null 2>&1; then
    nft delete table ip nsgen-one-liner
  fi
}

# veths_gone NAME...: wait (polling, at most 10 s) until the host has none of these veths; false
# if one is still there then.
veths_gone() {
  local tries
  for ((tries = 0; tries < 200; tries++)); do
    if [ "$(ip -o link show type veth | awk -F': ' -v names=" $* " '
      { sub(/@.*/, "", $2); if (index(names, " " $2 " ")) left++ }
      END { print left + 0 }')" -eq 0 ]; then
      return 0
    fi
    sleep 0.05
  done
  return 1
}

main "$@"
