#!/usr/bin/env bash
# Teardown of nsgen lab 'router-nat6', compiled from router-nat6.ns (target iptables, default style).
# Removes what the setup script creates (namespaces red, r1, edge; veth pairs veth-red/veth-r1,
# eth1/veth-edge; routes in red to default, default; rules in namespace r1 (masquerade 10.0.1.0/24,
# masquerade fd00:11::/64, tcp 8080 -> 10.0.1.2:80, tcp 8080 -> [fd00:11::2]:80, udp 5353 ->
# [fd00:11::2]:53)), in reverse order, and restores the sysctls it set. Running it again is harmless.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=router-nat6
declare -A owned=() # what the lab's record says its setups created: KEY -> + or ? (see record)

main() {
  preflight
  lock_lab
  # The lab's steps. Bash reads and runs them one after another from this here-document: kept
  # as one function body, a big lab's steps would make every command bash starts slower to start.
  # shellcheck source=/dev/null
  source /dev/fd/3 3<<'STEPS'

# firewall in namespace r1: iptables and ip6tables chains nsgen-router-nat6-*
if lab_made 'nsrules r1' && netns_exists r1; then # in a namespace that was there before the lab
  remove_ns_rules r1
fi

# router-nat6.ns:10  route red default via fd00:11::1
if lab_made 'route red default via fd00:11::1 metric 1024' && has_route red default via fd00:11::1 metric 1024; then
  ip -n red route del default via fd00:11::1
fi

# router-nat6.ns:9  route red default via 10.0.1.1
if lab_made 'route red default via 10.0.1.1 metric 0' && has_route red default via 10.0.1.1 metric 0; then
  ip -n red route del default via 10.0.1.1
fi

# router-nat6.ns:8  veth r1:eth1<->edge ip 10.0.2.1/24, 10.0.2.2/24, fd00:12::1/64, fd00:12::2/64
if lab_made 'addr edge veth-edge fe80::2/64'; then
  ip -n edge addr del fe80::2/64 dev veth-edge 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr edge veth-edge fd00:12::2/64'; then
  ip -n edge addr del fd00:12::2/64 dev veth-edge 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr edge veth-edge 10.0.2.2/24'; then
  ip -n edge addr del 10.0.2.2/24 dev veth-edge 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr r1 eth1 fe80::1/64'; then
  ip -n r1 addr del fe80::1/64 dev eth1 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr r1 eth1 fd00:12::1/64'; then
  ip -n r1 addr del fd00:12::1/64 dev eth1 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr r1 eth1 10.0.2.1/24'; then
  ip -n r1 addr del 10.0.2.1/24 dev eth1 2>/dev/null || true # gone meanwhile is fine
fi

# router-nat6.ns:7  veth red<->r1 ip 10.0.1.2/24, 10.0.1.1/24, fd00:11::2/64, fd00:11::1/64
if lab_made 'addr r1 veth-r1 fe80::1/64'; then
  ip -n r1 addr del fe80::1/64 dev veth-r1 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr r1 veth-r1 fd00:11::1/64'; then
  ip -n r1 addr del fd00:11::1/64 dev veth-r1 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr r1 veth-r1 10.0.1.1/24'; then
  ip -n r1 addr del 10.0.1.1/24 dev veth-r1 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr red veth-red fe80::2/64'; then
  ip -n red addr del fe80::2/64 dev veth-red 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr red veth-red fd00:11::2/64'; then
  ip -n red addr del fd00:11::2/64 dev veth-red 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr red veth-red 10.0.1.2/24'; then
  ip -n red addr del 10.0.1.2/24 dev veth-red 2>/dev/null || true # gone meanwhile is fine
fi

# router-nat6.ns:11  router r1
if [ -e /run/nsgen/labs/router-nat6/prior-sysctl/r1/net.ipv6.conf.all.forwarding ]; then # a namespace that was there before the lab
  ip netns exec r1 sysctl -qw net.ipv6.conf.all.forwarding="$(cat /run/nsgen/labs/router-nat6/prior-sysctl/r1/net.ipv6.conf.all.forwarding)"
  rm -f /run/nsgen/labs/router-nat6/prior-sysctl/r1/net.ipv6.conf.all.forwarding
  rmdir -p /run/nsgen/labs/router-nat6/prior-sysctl/r1 2>/dev/null || true
fi
if [ -e /run/nsgen/labs/router-nat6/prior-sysctl/r1/net.ipv4.ip_forward ]; then # a namespace that was there before the lab
  ip netns exec r1 sysctl -qw net.ipv4.ip_forward="$(cat /run/nsgen/labs/router-nat6/prior-sysctl/r1/net.ipv4.ip_forward)"
  rm -f /run/nsgen/labs/router-nat6/prior-sysctl/r1/net.ipv4.ip_forward
  rmdir -p /run/nsgen/labs/router-nat6/prior-sysctl/r1 2>/dev/null || true
fi

# router-nat6.ns:6  ns edge
if lab_netns edge; then # only if this lab's setup created it
  ip netns del edge
fi

# router-nat6.ns:5  ns r1
if lab_netns r1; then # only if this lab's setup created it
  ip netns del r1
fi

# router-nat6.ns:4  ns red
if lab_netns red; then # only if this lab's setup created it
  ip netns del red
fi

# The host's veth ends whose peers were in those namespaces go with them: the kernel removes
# them in the background, all at once (far faster than one by one). Wait for that; one still
# there (a process inside keeps its namespace alive) is deleted below.
veths_gone eth1:edge veth-red:r1 || true

# router-nat6.ns:8  veth r1:eth1<->edge ip 10.0.2.1/24, 10.0.2.2/24, fd00:12::1/64, fd00:12::2/64
if lab_made 'link r1 eth1' && link_is r1 eth1 veth; then
  ip -n r1 link del dev eth1 || link_gone r1 eth1 # gone meanwhile is fine
fi

# router-nat6.ns:7  veth red<->r1 ip 10.0.1.2/24, 10.0.1.1/24, fd00:11::2/64, fd00:11::1/64
if lab_made 'link red veth-red' && link_is red veth-red veth; then
  ip -n red link del dev veth-red || link_gone red veth-red # gone meanwhile is fine
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
  need_tool iptables
  need_tool iptables-restore
  need_tool sysctl
  need_tool ip6tables
  need_tool ip6tables-restore
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
  local state key source='' this=router-nat6.ns
  take_lock /run/nsgen/labs/router-nat6/lock "lab '$lab'"
  if [ -e /run/nsgen/labs/router-nat6/record ]; then
    # shellcheck disable=SC2034 # (a script whose helpers never ask leaves it unread)
    while read -r state key; do owned[$key]=$state; done </run/nsgen/labs/router-nat6/record
  fi
  if [ -e /run/nsgen/labs/router-nat6/source ]; then
    IFS= read -r source </run/nsgen/labs/router-nat6/source || true
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
  rm -f /run/nsgen/labs/router-nat6/record /run/nsgen/labs/router-nat6/source /run/nsgen/labs/router-nat6/lock
  rmdir /run/nsgen/labs/router-nat6 /run/nsgen/labs /run/nsgen 2>/dev/null || true
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

# remove_ns_rules NS [TOOL...]: unhook and delete the lab's chains (nsgen-router-nat6-*)
# inside namespace NS, if present, with each TOOL (default: iptables and ip6tables, both address
# families); the namespace's own chains and rules are left as they are. A tool the host lacks
# holds none.
remove_ns_rules() {
  local ns=$1 tool table builtin chain
  shift
  [ "$#" -gt 0 ] || set -- iptables ip6tables
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || continue
    while read -r table builtin chain; do
      while ip netns exec "$ns" "$tool" -t "$table" -C "$builtin" -j "$chain" 2>/dev/null; do
        ip netns exec "$ns" "$tool" -t "$table" -D "$builtin" -j "$chain"
      done
      if ip netns exec "$ns" "$tool" -t "$table" -S "$chain" >/dev/null 2>&1; then
        ip netns exec "$ns" "$tool" -t "$table" -F "$chain"
        ip netns exec "$ns" "$tool" -t "$table" -X "$chain"
      fi
    done <<'CHAINS'
nat PREROUTING nsgen-router-nat6-pre
nat OUTPUT nsgen-router-nat6-out
nat POSTROUTING nsgen-router-nat6-post
filter FORWARD nsgen-router-nat6-fwd
filter INPUT nsgen-router-nat6-in
CHAINS
  done
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
