#!/usr/bin/env bash
# Teardown of nsgen lab 'ipip', compiled from ipip.ns (target nft, default style).
# Removes what the setup script creates (namespaces site1, site2, far; veth pairs eth1/eth1,
# veth-far-host/veth-far; tunnels ipip site1:ip1, ipip site2:ip1, ipip ip7, ipip far:ip7), in reverse
# order, and restores the sysctls it set. Running it again is harmless.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=ipip
declare -A owned=() # what the lab's record says its setups created: KEY -> + or ? (see record)

main() {
  preflight
  lock_lab
  # The lab's steps. Bash reads and runs them one after another from this here-document: kept
  # as one function body, a big lab's steps would make every command bash starts slower to start.
  # shellcheck source=/dev/null
  source /dev/fd/3 3<<'STEPS'

# ipip.ns:13  ipip far:ip7 remote 172.31.0.1 local 172.31.0.2 ip 10.6.1.2/30
if lab_made 'addr far ip7 10.6.1.2/30'; then
  ip -n far addr del 10.6.1.2/30 dev ip7 2>/dev/null || true # gone meanwhile is fine
fi

# ipip.ns:9  ipip site2:ip1 remote 172.30.0.1 local 172.30.0.2 ip 10.6.0.2/30 mtu 1480
if lab_made 'addr site2 ip1 10.6.0.2/30'; then
  ip -n site2 addr del 10.6.0.2/30 dev ip1 2>/dev/null || true # gone meanwhile is fine
fi

# ipip.ns:8  ipip site1:ip1 remote 172.30.0.2 local 172.30.0.1 dev eth1 ip 10.6.0.1/30
if lab_made 'addr site1 ip1 10.6.0.1/30'; then
  ip -n site1 addr del 10.6.0.1/30 dev ip1 2>/dev/null || true # gone meanwhile is fine
fi

# ipip.ns:11  veth far<->host ip 172.31.0.2/24, 172.31.0.1/24
if lab_made 'addr far veth-far 172.31.0.2/24'; then
  ip -n far addr del 172.31.0.2/24 dev veth-far 2>/dev/null || true # gone meanwhile is fine
fi

# ipip.ns:7  veth site1:eth1<->site2:eth1 ip 172.30.0.1/24, 172.30.0.2/24
if lab_made 'addr site2 eth1 172.30.0.2/24'; then
  ip -n site2 addr del 172.30.0.2/24 dev eth1 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr site1 eth1 172.30.0.1/24'; then
  ip -n site1 addr del 172.30.0.1/24 dev eth1 2>/dev/null || true # gone meanwhile is fine
fi

# ipip.ns:10  ns far
if lab_netns far; then # only if this lab's setup created it
  ip netns del far
fi

# ipip.ns:6  ns site2
if lab_netns site2; then # only if this lab's setup created it
  ip netns del site2
fi

# ipip.ns:5  ns site1
if lab_netns site1; then # only if this lab's setup created it
  ip netns del site1
fi

# The host's veth ends whose peers were in those namespaces go with them: the kernel removes
# them in the background, all at once (far faster than one by one). Wait for that; one still
# there (a process inside keeps its namespace alive) is deleted below.
veths_gone veth-far-host:far eth1:site2 || true

# ipip.ns:13  ipip far:ip7 remote 172.31.0.1 local 172.31.0.2 ip 10.6.1.2/30
if lab_made 'link far ip7' && link_is far ip7 ipip; then
  ip -n far link del dev ip7 || link_gone far ip7 # gone meanwhile is fine
fi

# ipip.ns:12  ipip ip7 remote 172.31.0.2 ttl 64 ip 10.6.1.1/30
if lab_link ip7 ipip; then # only if this lab's setup created it
  ip link del dev ip7 || link_gone '' ip7 # gone meanwhile is fine
fi

# ipip.ns:9  ipip site2:ip1 remote 172.30.0.1 local 172.30.0.2 ip 10.6.0.2/30 mtu 1480
if lab_made 'link site2 ip1' && link_is site2 ip1 ipip; then
  ip -n site2 link del dev ip1 || link_gone site2 ip1 # gone meanwhile is fine
fi

# ipip.ns:8  ipip site1:ip1 remote 172.30.0.2 local 172.30.0.1 dev eth1 ip 10.6.0.1/30
if lab_made 'link site1 ip1' && link_is site1 ip1 ipip; then
  ip -n site1 link del dev ip1 || link_gone site1 ip1 # gone meanwhile is fine
fi

# ipip.ns:11  veth far<->host ip 172.31.0.2/24, 172.31.0.1/24
if lab_link veth-far-host veth; then # only if this lab's setup created it
  ip link del dev veth-far-host || link_gone '' veth-far-host # gone meanwhile is fine
fi

# ipip.ns:7  veth site1:eth1<->site2:eth1 ip 172.30.0.1/24, 172.30.0.2/24
if lab_made 'link site1 eth1' && link_is site1 eth1 veth; then
  ip -n site1 link del dev eth1 || link_gone site1 eth1 # gone meanwhile is fine
fi
STEPS
  forget_lab

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
  need_tool flock
}

# need_tool NAME: stop unless the command NAME is installed.
need_tool() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "nsgen: '$1' is not installed; it is needed for lab '$lab'" >&2
    exit 1
  fi
}

# lock_lab: hold the lab's lock for the rest of this run (another run of this lab waits, at most
# 30 s), then read its record into `owned` (KEY -> its last state). The record
# belongs to one lab file: another file with the same lab name is refused.
lock_lab() {
  local state key source='' this=ipip.ns
  take_lock /run/nsgen/labs/ipip/lock "lab '$lab'"
  if [ -e /run/nsgen/labs/ipip/record ]; then
    # shellcheck disable=SC2034 # (a script whose helpers never ask leaves it unread)
    while read -r state key; do owned[$key]=$state; done </run/nsgen/labs/ipip/record
  fi
  if [ -e /run/nsgen/labs/ipip/source ]; then
    IFS= read -r source </run/nsgen/labs/ipip/source || true
  fi
  if [ -n "$source" ] && [ "$source" != "$this" ]; then
    echo "nsgen: lab '$lab' on this host was set up from $source, not from $this; two lab files with one lab name would delete each other's namespaces and links" >&2
    echo "hint: give one of them a name of its own (a line 'lab NAME'), or tear the other down first" >&2
    exit 1
  fi
}

# take_lock FILE WHAT: hold an exclusive lock (flock) on FILE until this script exits, waiting at
# most 30 s (or NSGEN_LOCK_WAIT); FILE then holds this script's process id. A
# FILE removed while we waited (its lab was torn down) is made anew and locked again.
take_lock() {
  local fd tries wait=${NSGEN_LOCK_WAIT:-30}
  for ((tries = 0; tries < 10; tries++)); do
    mkdir -p "${1%/*}"
    exec {fd}>>"$1"
    if ! flock -w "$wait" "$fd"; then
      echo "nsgen: $2 is busy: process $(cat "$1" 2>/dev/null || true) holds $1 (waited $wait s)" >&2
      exit 1
    fi
    if [ "/dev/fd/$fd" -ef "$1" ]; then
      echo "$$" >"$1"
      return 0
    fi
    exec {fd}>&-
  done
  echo "nsgen: could not lock $1" >&2
  exit 1
}

# forget_lab: the lab is gone: remove its record, source and lock, and the folders left empty
# (a bridge that was there before and still has its kept state, after a rollback, is put back first).
forget_lab() {
  rm -f /run/nsgen/labs/ipip/record /run/nsgen/labs/ipip/source /run/nsgen/labs/ipip/lock
  rmdir /run/nsgen/labs/ipip /run/nsgen/labs /run/nsgen 2>/dev/null || true
}

# netns_exists NAME: true if the network namespace NAME exists (`ip netns add` makes /run/netns/NAME).
netns_exists() {
  [ -e "/run/netns/$1" ]
}

# lab_netns NAME: true if namespace NAME exists and the lab's record says its setup created it.
# One that was there before the lab is left as it is (so is what was in it), and said so.
lab_netns() {
  netns_exists "$1" || return 1
  if lab_owns "netns $1"; then return 0; fi
  echo "nsgen: namespace '$1' was not created by lab '$lab' (not in its record): left as it is" >&2
  return 1
}

# lab_made KEY: true if the lab's record says its setup created KEY and (for something inside a
# namespace) that namespace is not the lab's own, which takes everything in it along.
lab_made() {
  local ns=${1#* }
  [ "${owned[$1]-}" = + ] || return 1
  ! lab_owns "netns ${ns%% *}"
}

# lab_owns KEY: true if the lab's record says its setup created KEY (see record).
lab_owns() {
  [[ ${owned[$1]-} == [+?] ]]
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

# link_gone NS NAME: true if NS ('' is the host) has no interface NAME (any more).
link_gone() {
  ! link_exists "$1" "$2"
}

# lab_link NAME KIND: true if the host's interface NAME is a KIND this lab's setup created: the
# lab's record says so, or it carries the alias nsgen:ipip (matched as the alias
# field, whatever else, altnames say, is listed; the mark alone serves when the record is gone).
lab_link() {
  if [ "${owned[link - $1]-}" = + ] && link_is '' "$1" "$2"; then return 0; fi
  ip link show dev "$1" type "$2" 2>/dev/null |
    awk -v mark=nsgen:ipip '$1 == "alias" && $2 == mark && NF == 2 { ours = 1 } END { exit !ours }'
}

# veths_gone NAME[:NS]...: wait (polling, at most 10 s) until the host has none of these veths;
# false if one is still there then. NAME:NS is a host end whose peer was in NS: not waited for if
# NS is still there (a namespace the lab did not create, which teardown leaves).
veths_gone() {
  local tries word
  local -a names=()
  for word in "$@"; do
    if [[ $word == *:* ]]; then
      if [ -e "/run/netns/${word#*:}" ]; then continue; fi
      word=${word%%:*}
    fi
    names+=("$word")
  done
  if [ "${#names[@]}" -eq 0 ]; then return 0; fi
  for ((tries = 0; tries < 200; tries++)); do
    if [ "$(ip -o link show type veth | awk -F': ' -v names=" ${names[*]} " '
      { sub(/@.*/, "", $2); if (index(names, " " $2 " ")) left++ }
      END { print left + 0 }')" -eq 0 ]; then
      return 0
    fi
    sleep 0.05
  done
  return 1
}

main "$@"
