#!/usr/bin/env bash
# Teardown of nsgen lab 'macvlan-host', compiled from macvlan-host.ns (target iptables, default style).
# Removes what the setup script creates (namespace red; macvlan red:mv0; route in red to default), in
# reverse order, and restores the sysctls it set. Running it again is harmless.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=macvlan-host
declare -A owned=() # what the lab's record says its setups created: KEY -> + or ? (see record)

main() {
  preflight
  lock_lab
  # The lab's steps. Bash reads and runs them one after another from this here-document: kept
  # as one function body, a big lab's steps would make every command bash starts slower to start.
  # shellcheck source=/dev/null
  source /dev/fd/3 3<<'STEPS'

# macvlan-host.ns:5  route red default via 192.168.1.1
if lab_made 'route red default via 192.168.1.1 metric 0' && has_route red default via 192.168.1.1 metric 0; then
  ip -n red route del default via 192.168.1.1
fi

# macvlan-host.ns:4  macvlan red:mv0 on eth0 mode vepa ip 192.168.1.50/24 mtu 1400
if lab_made 'addr red mv0 192.168.1.50/24'; then
  ip -n red addr del 192.168.1.50/24 dev mv0 2>/dev/null || true # gone meanwhile is fine
fi

# macvlan-host.ns:3  ns red
if lab_netns red; then # only if this lab's setup created it
  ip netns del red
fi

# macvlan-host.ns:4  macvlan red:mv0 on eth0 mode vepa ip 192.168.1.50/24 mtu 1400
if lab_made 'link red mv0' && link_is red mv0 macvlan; then
  ip -n red link del dev mv0 || link_gone red mv0 # gone meanwhile is fine
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
  local state key source='' this=macvlan-host.ns
  take_lock /run/nsgen/labs/macvlan-host/lock "lab '$lab'"
  if [ -e /run/nsgen/labs/macvlan-host/record ]; then
    # shellcheck disable=SC2034 # (a script whose helpers never ask leaves it unread)
    while read -r state key; do owned[$key]=$state; done </run/nsgen/labs/macvlan-host/record
  fi
  if [ -e /run/nsgen/labs/macvlan-host/source ]; then
    IFS= read -r source </run/nsgen/labs/macvlan-host/source || true
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
  rm -f /run/nsgen/labs/macvlan-host/record /run/nsgen/labs/macvlan-host/source /run/nsgen/labs/macvlan-host/lock
  rmdir /run/nsgen/labs/macvlan-host /run/nsgen/labs /run/nsgen 2>/dev/null || true
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

# has_route NS DESTINATION [via GATEWAY] [dev IFNAME] metric N: true if NS ('' is the host) has
# that very route (its metric included: another route to DESTINATION does not count). An IPv6
# route (a ':' in its words; names have none) is looked for with `ip -6`.
has_route() {
  local -a in_ns=()
  if [ -n "$1" ]; then in_ns=(-n "$1"); fi
  if [[ ${*:2} == *:* ]]; then in_ns+=(-6); fi
  [ -n "$(ip "${in_ns[@]}" route show exact "${@:2}" 2>/dev/null)" ]
}

main "$@"
