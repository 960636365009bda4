#!/usr/bin/env bash
# Teardown of nsgen lab 'router-filter6', compiled from router-filter6.ns (target iptables, default style).
# Removes what the setup script creates (namespaces lan, r1, dmz, edge; veth pairs veth-lan/inside,
# dmz/veth-dmz, wan/veth-edge; routes in lan to default, default; in dmz to default, default; in edge
# to fd00::/16; rules in namespace r1 (2001:db8:9::10 -> fd00:2::2, redirect tcp 8080 -> 3128,
# forwarding denied, 2 flows allowed)), in reverse order, and restores the sysctls it set. Running it
# again is harmless.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=router-filter6
declare -A owned=() # what the lab's record says its setups created: KEY -> + or ? (see record)

main() {
  preflight
  lock_lab
  if [ ${#owned[@]} -gt 0 ]; then
    # What an earlier setup of this lab created and this lab file no longer has (it was edited since)
    # is removed first; what it has, below.
    converge <<'KEYS'
netns lan
netns r1
netns dmz
netns edge
link lan veth-lan
addr lan veth-lan 10.0.1.2/24
addr lan veth-lan fd00:1::2/64
addr lan veth-lan fe80::2/64
addr r1 inside 10.0.1.1/24
addr r1 inside fd00:1::1/64
addr r1 inside fe80::1/64
link r1 dmz
addr r1 dmz 10.0.2.1/24
addr r1 dmz fd00:2::1/64
addr r1 dmz fe80::1/64
addr dmz veth-dmz 10.0.2.2/24
addr dmz veth-dmz fd00:2::2/64
addr dmz veth-dmz fe80::2/64
link r1 wan
addr r1 wan 2001:db8:9::1/64
addr r1 wan fe80::1/64
addr edge veth-edge 2001:db8:9::2/64
addr edge veth-edge fe80::2/64
addr r1 wan 2001:db8:9::10/64
route lan default via 10.0.1.1 metric 0
route lan default via fd00:1::1 metric 1024
route dmz default via 10.0.2.1 metric 0
route dmz default via fd00:2::1 metric 1024
route edge fd00::/16 via 2001:db8:9::1 metric 1024
nsrules r1
KEYS
  fi
  # The lab's steps. Bash reads and runs them one after another from this here-document: kept
  # as one function body, a big lab's steps would make every command bash starts slower to start.
  # shellcheck source=/dev/null
  source /dev/fd/3 3<<'STEPS'

# firewall in namespace r1: iptables and ip6tables chains nsgen-router-filter6-*
if lab_made 'nsrules r1' && netns_exists r1; then # in a namespace that was there before the lab
  remove_ns_rules r1
fi

# router-filter6.ns:16  route edge fd00::/16 via 2001:db8:9::1
if lab_made 'route edge fd00::/16 via 2001:db8:9::1 metric 1024' && has_route edge fd00::/16 via 2001:db8:9::1 metric 1024; then
  ip -n edge route del fd00::/16 via 2001:db8:9::1
fi

# router-filter6.ns:15  route dmz default via fd00:2::1
if lab_made 'route dmz default via fd00:2::1 metric 1024' && has_route dmz default via fd00:2::1 metric 1024; then
  ip -n dmz route del default via fd00:2::1
fi

# router-filter6.ns:14  route dmz default via 10.0.2.1
if lab_made 'route dmz default via 10.0.2.1 metric 0' && has_route dmz default via 10.0.2.1 metric 0; then
  ip -n dmz route del default via 10.0.2.1
fi

# router-filter6.ns:13  route lan default via fd00:1::1
if lab_made 'route lan default via fd00:1::1 metric 1024' && has_route lan default via fd00:1::1 metric 1024; then
  ip -n lan route del default via fd00:1::1
fi

# router-filter6.ns:12  route lan default via 10.0.1.1
if lab_made 'route lan default via 10.0.1.1 metric 0' && has_route lan default via 10.0.1.1 metric 0; then
  ip -n lan route del default via 10.0.1.1
fi

# router-filter6.ns:11  address r1:wan 2001:db8:9::10/64
if lab_made 'addr r1 wan 2001:db8:9::10/64'; then
  ip -n r1 addr del 2001:db8:9::10/64 dev wan 2>/dev/null || true # gone meanwhile is fine
fi

# router-filter6.ns:10  veth r1:wan<->edge ip 2001:db8:9::1/64, 2001:db8:9::2/64
if lab_made 'addr edge veth-edge fe80::2/64'; then
  ip -n edge addr del fe80::2/64 dev veth-edge 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr edge veth-edge 2001:db8:9::2/64'; then
  ip -n edge addr del 2001:db8:9::2/64 dev veth-edge 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr r1 wan fe80::1/64'; then
  ip -n r1 addr del fe80::1/64 dev wan 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr r1 wan 2001:db8:9::1/64'; then
  ip -n r1 addr del 2001:db8:9::1/64 dev wan 2>/dev/null || true # gone meanwhile is fine
fi

# router-filter6.ns:9  veth r1:dmz<->dmz ip 10.0.2.1/24, 10.0.2.2/24, fd00:2::1/64, fd00:2::2/64
if lab_made 'addr dmz veth-dmz fe80::2/64'; then
  ip -n dmz addr del fe80::2/64 dev veth-dmz 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr dmz veth-dmz fd00:2::2/64'; then
  ip -n dmz addr del fd00:2::2/64 dev veth-dmz 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr dmz veth-dmz 10.0.2.2/24'; then
  ip -n dmz addr del 10.0.2.2/24 dev veth-dmz 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr r1 dmz fe80::1/64'; then
  ip -n r1 addr del fe80::1/64 dev dmz 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr r1 dmz fd00:2::1/64'; then
  ip -n r1 addr del fd00:2::1/64 dev dmz 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr r1 dmz 10.0.2.1/24'; then
  ip -n r1 addr del 10.0.2.1/24 dev dmz 2>/dev/null || true # gone meanwhile is fine
fi

# router-filter6.ns:8  veth lan<->r1:inside ip 10.0.1.2/24, 10.0.1.1/24, fd00:1::2/64, fd00:1::1/64
if lab_made 'addr r1 inside fe80::1/64'; then
  ip -n r1 addr del fe80::1/64 dev inside 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr r1 inside fd00:1::1/64'; then
  ip -n r1 addr del fd00:1::1/64 dev inside 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr r1 inside 10.0.1.1/24'; then
  ip -n r1 addr del 10.0.1.1/24 dev inside 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr lan veth-lan fe80::2/64'; then
  ip -n lan addr del fe80::2/64 dev veth-lan 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr lan veth-lan fd00:1::2/64'; then
  ip -n lan addr del fd00:1::2/64 dev veth-lan 2>/dev/null || true # gone meanwhile is fine
fi
if lab_made 'addr lan veth-lan 10.0.1.2/24'; then
  ip -n lan addr del 10.0.1.2/24 dev veth-lan 2>/dev/null || true # gone meanwhile is fine
fi

# router-filter6.ns:17  router r1 deny
if [ -e /run/nsgen/labs/router-filter6/prior-sysctl/r1/net.ipv6.conf.all.forwarding ]; then # a namespace that was there before the lab
  ip netns exec r1 sysctl -qw net.ipv6.conf.all.forwarding="$(cat /run/nsgen/labs/router-filter6/prior-sysctl/r1/net.ipv6.conf.all.forwarding)"
  rm -f /run/nsgen/labs/router-filter6/prior-sysctl/r1/net.ipv6.conf.all.forwarding
  rmdir -p /run/nsgen/labs/router-filter6/prior-sysctl/r1 2>/dev/null || true
fi
if [ -e /run/nsgen/labs/router-filter6/prior-sysctl/r1/net.ipv4.ip_forward ]; then # a namespace that was there before the lab
  ip netns exec r1 sysctl -qw net.ipv4.ip_forward="$(cat /run/nsgen/labs/router-filter6/prior-sysctl/r1/net.ipv4.ip_forward)"
  rm -f /run/nsgen/labs/router-filter6/prior-sysctl/r1/net.ipv4.ip_forward
  rmdir -p /run/nsgen/labs/router-filter6/prior-sysctl/r1 2>/dev/null || true
fi

# router-filter6.ns:7  ns edge
if lab_netns edge; then # only if this lab's setup created it
  ip netns del edge
fi

# router-filter6.ns:6  ns dmz
if lab_netns dmz; then # only if this lab's setup created it
  ip netns del dmz
fi

# router-filter6.ns:5  ns r1
if lab_netns r1; then # only if this lab's setup created it
  ip netns del r1
fi

# router-filter6.ns:4  ns lan
if lab_netns lan; then # only if this lab's setup created it
  ip netns del lan
fi

# The host's veth ends whose peers were in those namespaces go with them: the kernel removes
# them in the background, all at once (far faster than one by one). Wait for that; one still
# there (a process inside keeps its namespace alive) is deleted below.
veths_gone -m wan:edge dmz:dmz veth-lan:r1 || true

# router-filter6.ns:10  veth r1:wan<->edge ip 2001:db8:9::1/64, 2001:db8:9::2/64
if lab_made 'link r1 wan' && link_is r1 wan veth; then
  ip -n r1 link del dev wan || link_gone r1 wan # gone meanwhile is fine
fi

# router-filter6.ns:9  veth r1:dmz<->dmz ip 10.0.2.1/24, 10.0.2.2/24, fd00:2::1/64, fd00:2::2/64
if lab_made 'link r1 dmz' && link_is r1 dmz veth; then
  ip -n r1 link del dev dmz || link_gone r1 dmz # gone meanwhile is fine
fi

# router-filter6.ns:8  veth lan<->r1:inside ip 10.0.1.2/24, 10.0.1.1/24, fd00:1::2/64, fd00:1::1/64
if lab_made 'link lan veth-lan' && link_is lan veth-lan veth; then
  ip -n lan link del dev veth-lan || link_gone lan veth-lan # gone meanwhile is fine
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
  need_tool iptables-save
  need_tool iptables-restore
  need_tool sysctl
  need_tool ip6tables
  need_tool ip6tables-save
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
  local state key source='' this=router-filter6.ns
  take_lock /run/nsgen/labs/router-filter6/lock "lab '$lab'"
  if [ -e /run/nsgen/labs/router-filter6/record ]; then
    # shellcheck disable=SC2034 # (a script whose helpers never ask leaves it unread)
    while read -r state key; do owned[$key]=$state; done </run/nsgen/labs/router-filter6/record
  fi
  if [ -e /run/nsgen/labs/router-filter6/source ]; then
    IFS= read -r source </run/nsgen/labs/router-filter6/source || true
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

# lock_host: hold the lock all labs share for the host's own settings (once per run).
lock_host() {
  if [ -z "${host_locked-}" ]; then
    take_lock /run/nsgen/host/lock "the host's sysctl record"
    host_locked=1
  fi
}

# forget_lab: the lab is gone: remove its record, source and lock, and the folders left empty
# (a bridge that was there before and still has its kept state, after a rollback, is put back first).
forget_lab() {
  rm -f /run/nsgen/labs/router-filter6/record /run/nsgen/labs/router-filter6/source /run/nsgen/labs/router-filter6/lock
  rmdir /run/nsgen/labs/router-filter6 /run/nsgen/labs /run/nsgen 2>/dev/null || true
}

# converge: read the keys of everything this lab's setup creates (stdin); remove what an earlier
# setup of the lab created (its record lists it) that the lab no longer declares, and say so
# (setup, and teardown from an edited lab file):
# `run` processes (a process keeps its namespace alive), rules (the host's, then those in
# namespaces), addresses and routes first, then namespaces,
# links, last the host sysctls it no longer needs.
converge() {
  local key kind where name rest
  local -a in_ns match stale
  local -A gone=()
  # what the record says the lab created (its last state `+` or `?`) and the lab no longer declares
  # (usually nothing), in the record's order: one awk over the keys and the record
  mapfile -t stale < <(awk 'FILENAME == "-" { declared[$0] = 1; next }
    { key = substr($0, length($1) + 2); if (!(key in last)) order[++n] = key; last[key] = $1 }
    END { for (i = 1; i <= n; i++) if (last[order[i]] ~ /^[+?]$/ && !(order[i] in declared)) print order[i] }' \
    - /run/nsgen/labs/router-filter6/record)
  [ ${#stale[@]} -gt 0 ] || return 0
  for key in "${stale[@]}"; do gone[$key]=1; done
  for kind in run rules nsrules addr route ovsport netns link ovsbr sysctl; do
    for key in "${stale[@]}"; do
      [[ (${owned[$key]} == + || ($kind == netns && ${owned[$key]} == '?')) &&
        ($key == "$kind" || $key == "$kind "*) ]] || continue
      read -r _ where name rest <<<"$key"
      in_ns=()
      if [ -n "$where" ] && [ "$where" != - ] && [ "$kind" != netns ] && [ "$kind" != run ] && [[ $kind != ovs* ]]; then
        if [ -n "${gone[netns $where]-}" ]; then
          record - "$key" # it goes with its namespace
          continue
        fi
        in_ns=(-n "$where")
      fi
      echo "nsgen: lab '$lab' no longer has $key: removing it" >&2
      case $kind in
        run) stop_process /run/nsgen/labs/router-filter6/run/"$name.pid" /run/nsgen/labs/router-filter6/run/"$name.log" ;;
        rules) remove_rules ;;
        nsrules) if netns_exists "$where"; then remove_ns_rules "$where"; fi ;;
        addr) ip "${in_ns[@]}" addr del "${rest}" dev "$name" 2>/dev/null || true ;;
        route) read -ra match <<<"$rest" && ip "${in_ns[@]}" route del "$name" "${match[@]}" 2>/dev/null || true ;;
        netns) if netns_exists "$where"; then ip netns del "$where"; fi ;;
        link) ip "${in_ns[@]}" link del dev "$name" 2>/dev/null || link_gone "${in_ns[1]-}" "$name" ;;
        sysctl) release_sysctl "$where" ;;
        ovsport) ovs-vsctl --timeout=10 --if-exists del-port "$where" "$name" ;; # (even if the lab has no
        ovsbr) ovs-vsctl --timeout=10 --if-exists del-br "$where" ;; # Open vSwitch bridge any more)
      esac
      record - "$key"
    done
  done
}

# record STATE KEY: add a line to the lab's record, /run/nsgen/labs/router-filter6/record: `? KEY` just
# before this run tries to create KEY, `+ KEY` once it has, `- KEY` once it undid it. KEY is
# `netns NAME`, `link NS NAME` (NS `-`: the host), `route NS DESTINATION [via GW] [dev IF] metric N`,
# `addr NS IFNAME ADDRESS`, `rules`, `nsrules NS` or `sysctl KEY` (templates/steps/words.j2, record_key).
# Teardown deletes only what the record says this lab created (`+`; for a namespace `?` too).
record() {
  printf '%s %s\n' "$1" "$2" >>/run/nsgen/labs/router-filter6/record
  owned[$2]=$1
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

# release_sysctl KEY: this lab no longer needs the host's sysctl KEY changed. The last lab to let
# go puts back the value it had before the first one changed it.
release_sysctl() {
  local dir=/run/nsgen/host/$1
  lock_host
  rm -f "$dir"/router-filter6
  case $(ls -A "$dir" 2>/dev/null) in
    value) # no other lab needs it changed
      cat "$dir/value" >"/proc/sys/${1//.//}"
      rm -f "$dir/value"
      rmdir "$dir" 2>/dev/null || true ;;
    '') rmdir "$dir" 2>/dev/null || true ;; # (a setup interrupted before it kept the value)
  esac
  if [ "$(ls -A /run/nsgen/host 2>/dev/null)" = lock ]; then
    rm -f /run/nsgen/host/lock
    host_locked='' # a later lock_host of this run locks the file made anew
  fi
  rmdir /run/nsgen/host /run/nsgen 2>/dev/null || true
}

# remove_rules: unhook and delete the lab's chains (nsgen-router-filter6-*, in iptables
# and ip6tables), if present: every chain a setup of this lab may have made, so that one an
# earlier version of the lab file needed goes too.
remove_rules() {
  remove_chains iptables:nsgen-router-filter6-pre iptables:nsgen-router-filter6-post iptables:nsgen-router-filter6-fwd iptables:nsgen-router-filter6-out ip6tables:nsgen-router-filter6-pre ip6tables:nsgen-router-filter6-post ip6tables:nsgen-router-filter6-fwd ip6tables:nsgen-router-filter6-out
}
# remove_chains TOOL:CHAIN...: unhook and delete these chains of the lab (TOOL iptables or
# ip6tables; one not installed, or one whose save fails, is taken to have none), if present: one
# TOOL-save to see what is there, then one TOOL-restore --noflush that deletes the jumps to them
# (`-A BUILTIN -j CHAIN` exactly), empties them and deletes them, each table's changes all or nothing.
remove_chains() {
  local tool changes
  for tool in iptables ip6tables; do
    if [[ " $* " != *" $tool:"* ]] || ! command -v "$tool-save" >/dev/null; then continue; fi
    changes=$({ "$tool-save" 2>/dev/null || true; } | awk -v tool="$tool" -v want=" $* " '
      NR == FNR { if ($1 == tool && index(want, " " $1 ":" $4 " ")) { lab[$2 " " $4] = 1; hook[$2 " -A " $3 " -j " $4] = 1 } next }
      /^\*/ { table = substr($0, 2); next }
      /^:/ { name = substr($1, 2); if ((table " " name) in lab) { chains[table] = chains[table] " " name; used[table] = 1 } next }
      /^-A / && ((table " " $0) in hook) { jumps[table] = jumps[table] "-D" substr($0, 3) "\n"; used[table] = 1 }
      END {
        for (table in used) {
          printf "*%s\n%s", table, jumps[table]
          n = split(chains[table], list, " ")
          for (i = 1; i <= n; i++) print "-F " list[i]
          for (i = 1; i <= n; i++) print "-X " list[i]
          print "COMMIT"
        }
      }' /dev/fd/3 - 3<<'CHAINS'
iptables nat PREROUTING nsgen-router-filter6-pre
iptables nat POSTROUTING nsgen-router-filter6-post
iptables filter FORWARD nsgen-router-filter6-fwd
iptables nat OUTPUT nsgen-router-filter6-out
ip6tables nat PREROUTING nsgen-router-filter6-pre
ip6tables nat POSTROUTING nsgen-router-filter6-post
ip6tables filter FORWARD nsgen-router-filter6-fwd
ip6tables nat OUTPUT nsgen-router-filter6-out
CHAINS
    )
    if [ -n "$changes" ]; then printf '%s\n' "$changes" | "$tool-restore" --noflush; fi
  done
}

# remove_ns_rules NS [TOOL...]: unhook and delete the lab's chains (nsgen-router-filter6-*)
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
nat PREROUTING nsgen-router-filter6-pre
nat OUTPUT nsgen-router-filter6-out
nat POSTROUTING nsgen-router-filter6-post
filter FORWARD nsgen-router-filter6-fwd
filter INPUT nsgen-router-filter6-in
CHAINS
  done
}

# veths_gone [-m] NAME[:NS]...: wait until the host has none of these veths (polling every 0.01 s,
# after 0.1 s every 0.05 s); false if one is still there after 10 s. NAME:NS is a host end whose
# peer was in NS: not waited for if NS is still there (a namespace the lab did not create, which
# teardown leaves). With -m (teardown), the names found gone are remembered, so that lab_link
# answers for them at once.
veths_gone() {
  local tries word remember=''
  local -a names=()
  if [ "${1-}" = -m ]; then remember=1; shift; fi
  for word in "$@"; do
    if [[ $word == *:* ]]; then
      if [ -e "/run/netns/${word#*:}" ]; then continue; fi
      word=${word%%:*}
    fi
    names+=("$word")
  done
  if [ "${#names[@]}" -eq 0 ]; then return 0; fi
  for ((tries = 0; tries < 210; tries++)); do
    if [ "$(ip -o link show type veth | awk -F': ' -v names=" ${names[*]} " '
      { sub(/@.*/, "", $2); if (index(names, " " $2 " ")) left++ }
      END { print left + 0 }')" -eq 0 ]; then
      # shellcheck disable=SC2034 # gone_veths: read by lab_link (in the scripts that call it)
      if [ -n "$remember" ]; then
        declare -gA gone_veths
        for word in "${names[@]}"; do gone_veths[$word]=1; done
      fi
      return 0
    fi
    if [ "$tries" -lt 10 ]; then sleep 0.01; else sleep 0.05; fi
  done
  return 1
}

# stop_process PIDFILE LOG: stop the process setup started, only if PIDFILE's pid still is that
# process (process_is): TERM, then KILL if it is still there after 5 s; then PIDFILE and LOG go.
stop_process() {
  local pid i
  if process_is "$1"; then
    read -r pid _ <"$1"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      if ! process_is "$1"; then break; fi
      sleep 0.1
    done
    if process_is "$1"; then
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 20; i++)); do
        if ! process_is "$1"; then break; fi
        sleep 0.1
      done
    fi
  fi
  rm -f "$1" "$2"
  rmdir "${1%/*}" 2>/dev/null || true
}

# process_is PIDFILE: true if the process PIDFILE names (`PID START`) is running: PID is there, not
# a zombie, and started at START (so not another process that got the pid since).
process_is() {
  local pid start stat
  local -a fields
  [ -e "$1" ] || return 1
  read -r pid start <"$1" || return 1
  { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 1
  read -ra fields <<<"${stat##*) }"
  [ "${fields[0]}" != Z ] && [ -n "$start" ] && [ "${fields[19]}" = "$start" ]
}

main "$@"
