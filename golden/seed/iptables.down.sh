#!/usr/bin/env bash
# Teardown of nsgen lab 'seed', compiled from seed.ns (target iptables, default style).
# Removes what the setup script creates (namespaces red, blue; bridge v-net-0; veth pairs
# veth-red-br/veth-red, veth-blue-br/veth-blue; routes in blue to 192.168.1.0/24, default; in red to
# default; rules in chains nsgen-seed-* (masquerade 192.168.15.0/24, tcp 80 -> 192.168.15.2:80);
# net.ipv4.ip_forward=1), in reverse order, and restores the sysctls it set. Running it again is
# harmless.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=seed

main() {
  preflight
  # The lab's steps. Bash reads and runs them one after another from this here-document: kept
  # as one function body, a big lab's steps would make every command bash starts slower to start.
  # shellcheck source=/dev/null
  source /dev/fd/3 3<<'STEPS'

# firewall: chains nsgen-seed-*
remove_rules

# seed.ns:10  ns blue
if netns_exists blue; then
  ip netns del blue
fi

# seed.ns:9  ns red
if netns_exists red; then
  ip netns del red
fi

# The host's veth ends whose peers were in those namespaces go with them: the kernel removes
# them in the background, all at once (far faster than one by one). Wait for that; one still
# there (a process inside keeps its namespace alive) is deleted below.
veths_gone veth-blue-br veth-red-br || true

# seed.ns:14  veth blue<->v-net-0 ip 192.168.15.2/24
if lab_link veth-blue-br veth; then # only if this lab's setup created it
  ip link del dev veth-blue-br || link_gone '' veth-blue-br # gone meanwhile is fine
fi

# seed.ns:13  veth red<->v-net-0 ip 192.168.15.1/24
if lab_link veth-red-br veth; then # only if this lab's setup created it
  ip link del dev veth-red-br || link_gone '' veth-red-br # gone meanwhile is fine
fi

# seed.ns:12  bridge v-net-0 ip 192.168.15.5/24
if lab_link v-net-0 bridge; then # only if this lab's setup created it
  ip link del dev v-net-0 || link_gone '' v-net-0 # gone meanwhile is fine
fi

# restore net.ipv4.ip_forward
if [ -e /run/nsgen/seed/net.ipv4.ip_forward ]; then
  cat /run/nsgen/seed/net.ipv4.ip_forward >/proc/sys/net/ipv4/ip_forward
  rm -f /run/nsgen/seed/net.ipv4.ip_forward
  rmdir /run/nsgen/seed /run/nsgen 2>/dev/null || true
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
  need_tool iptables
  need_tool iptables-restore
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
# carries the alias nsgen:seed (matched as the alias field, whatever else, altnames say, is listed).
lab_link() {
  ip link show dev "$1" type "$2" 2>/dev/null |
    awk -v mark=nsgen:seed '$1 == "alias" && $2 == mark && NF == 2 { ours = 1 } END { exit !ours }'
}

# remove_rules: unhook and delete the lab's chains (nsgen-seed-*), if present.
remove_rules() {
  while iptables -t nat -C PREROUTING -j nsgen-seed-pre 2>/dev/null; do
    iptables -t nat -D PREROUTING -j nsgen-seed-pre
  done
  if iptables -t nat -S nsgen-seed-pre >/dev/null 2>&1; then
    iptables -t nat -F nsgen-seed-pre
    iptables -t nat -X nsgen-seed-pre
  fi
  while iptables -t nat -C POSTROUTING -j nsgen-seed-post 2>/dev/null; do
    iptables -t nat -D POSTROUTING -j nsgen-seed-post
  done
  if iptables -t nat -S nsgen-seed-post >/dev/null 2>&1; then
    iptables -t nat -F nsgen-seed-post
    iptables -t nat -X nsgen-seed-post
  fi
  while iptables -t filter -C FORWARD -j nsgen-seed-fwd 2>/dev/null; do
    iptables -t filter -D FORWARD -j nsgen-seed-fwd
  done
  if iptables -t filter -S nsgen-seed-fwd >/dev/null 2>&1; then
    iptables -t filter -F nsgen-seed-fwd
    iptables -t filter -X nsgen-seed-fwd
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
