#!/usr/bin/env bash
# Teardown of nsgen lab 'jumbo', compiled from bridge-mtu.ns (target nft, default style).
# Removes what the setup script creates (namespace a; bridge br0; veth pair veth-a-br/eth0), in
# reverse order, and restores the sysctls it set. Running it again is harmless.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=jumbo

main() {
  preflight
  # The lab's steps. Bash reads and runs them one after another from this here-document: kept
  # as one function body, a big lab's steps would make every command bash starts slower to start.
  # shellcheck source=/dev/null
  source /dev/fd/3 3<<'STEPS'

# bridge-mtu.ns:4  ns a
if netns_exists a; then
  ip netns del a
fi

# The host's veth ends whose peers were in those namespaces go with them: the kernel removes
# them in the background, all at once (far faster than one by one). Wait for that; one still
# there (a process inside keeps its namespace alive) is deleted below.
veths_gone veth-a-br || true

# bridge-mtu.ns:5  veth a:eth0<->br0 ip 10.1.0.2 mtu 9000
if lab_link veth-a-br veth; then # only if this lab's setup created it
  ip link del dev veth-a-br || link_gone '' veth-a-br # gone meanwhile is fine
fi

# bridge-mtu.ns:3  bridge br0 ip 10.1.0.1/16 mtu 9000
if lab_link br0 bridge; then # only if this lab's setup created it
  ip link del dev br0 || link_gone '' br0 # gone meanwhile is fine
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
# carries the alias nsgen:jumbo (matched as the alias field, whatever else, altnames say, is listed).
lab_link() {
  ip link show dev "$1" type "$2" 2>/dev/null |
    awk -v mark=nsgen:jumbo '$1 == "alias" && $2 == mark && NF == 2 { ours = 1 } END { exit !ours }'
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
