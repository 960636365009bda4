#!/usr/bin/env bash
# Teardown of nsgen lab 'masquerade-out', compiled from masquerade-out.ns (target iptables, default style).
# Removes what the setup script creates (namespace app; bridge br0; veth pair veth-app-br/veth-app;
# route in app to default; rules in chains nsgen-masquerade-out-* (masquerade 172.20.0.0/24);
# net.ipv4.ip_forward=1), in reverse order, and restores the sysctls it set. Running it again is
# harmless.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=masquerade-out

main() {
  preflight
  # The lab's steps. Bash reads and runs them one after another from this here-document: kept
  # as one function body, a big lab's steps would make every command bash starts slower to start.
  # shellcheck source=/dev/null
  source /dev/fd/3 3<<'STEPS'

# firewall: chains nsgen-masquerade-out-*
remove_rules

# masquerade-out.ns:2  ns app
if netns_exists app; then
  ip netns del app
fi

# The host's veth ends whose peers were in those namespaces go with them: the kernel removes
# them in the background, all at once (far faster than one by one). Wait for that; one still
# there (a process inside keeps its namespace alive) is deleted below.
veths_gone veth-app-br || true

# masquerade-out.ns:4  veth app<->br0 ip 172.20.0.2/24
if lab_link veth-app-br veth; then # only if this lab's setup created it
  ip link del dev veth-app-br || link_gone '' veth-app-br # gone meanwhile is fine
fi

# masquerade-out.ns:3  bridge br0 ip 172.20.0.1/24
if lab_link br0 bridge; then # only if this lab's setup created it
  ip link del dev br0 || link_gone '' br0 # gone meanwhile is fine
fi

# restore net.ipv4.ip_forward
if [ -e /run/nsgen/masquerade-out/net.ipv4.ip_forward ]; then
  cat /run/nsgen/masquerade-out/net.ipv4.ip_forward >/proc/sys/net/ipv4/ip_forward
  rm -f /run/nsgen/masquerade-out/net.ipv4.ip_forward
  rmdir /run/nsgen/masquerade-out /run/nsgen 2>/dev/null || true
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
# carries the alias nsgen:masquerade-out (matched as the alias field, whatever else, altnames say, is listed).
lab_link() {
  ip link show dev "$1" type "$2" 2>/dev/null |
    awk -v mark=nsgen:masquerade-out '$1 == "alias" && $2 == mark && NF == 2 { ours = 1 } END { exit !ours }'
}

# remove_rules: unhook and delete the lab's chains (nsgen-masquerade-out-*), if present.
remove_rules() {
  while iptables -t nat -C POSTROUTING -j nsgen-masquerade-out-post 2>/dev/null; do
    iptables -t nat -D POSTROUTING -j nsgen-masquerade-out-post
  done
  if iptables -t nat -S nsgen-masquerade-out-post >/dev/null 2>&1; then
    iptables -t nat -F nsgen-masquerade-out-post
    iptables -t nat -X nsgen-masquerade-out-post
  fi
  while iptables -t filter -C FORWARD -j nsgen-masquerade-out-fwd 2>/dev/null; do
    iptables -t filter -D FORWARD -j nsgen-masquerade-out-fwd
  done
  if iptables -t filter -S nsgen-masquerade-out-fwd >/dev/null 2>&1; then
    iptables -t filter -F nsgen-masquerade-out-fwd
    iptables -t filter -X nsgen-masquerade-out-fwd
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
