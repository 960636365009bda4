#!/usr/bin/env bash
# Setup of nsgen lab 'router-filter6', compiled from router-filter6.ns (target iptables, default style).
# Creates namespaces lan, r1, dmz, edge; veth pairs veth-lan/inside, dmz/veth-dmz, wan/veth-edge;
# routes in lan to default, default; in dmz to default, default; in edge to fd00::/16; rules in
# namespace r1 (2001:db8:9::10 -> fd00:2::2, redirect tcp 8080 -> 3128, forwarding denied, 2 flows
# allowed).
# Run it as root. Running it again changes nothing. If a step fails, it names the lab-file line,
# removes what this run created and exits non-zero. Undo: nsgen down router-filter6.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=router-filter6
declare -A owned=() # what the lab's record says its setups created: KEY -> + or ? (see record)
step='preflight' # the lab-file statement being applied, for messages
undo=()          # what this run created, for rollback (see undo_push)

main() {
  trap 'exit 130' INT # until there is something to roll back, an interrupt just stops
  trap 'exit 143' TERM
  preflight
  tmp=$(mktemp -d "${TMPDIR:-/run}/nsgen.XXXXXX") # /run: a tmpfs on most hosts, faster for many small files than a disk
  trap 'rm -rf "$tmp"' EXIT
  lock_lab
  trap 'on_error "$?"' ERR
  trap 'on_error 130' INT
  trap 'on_error 143' TERM
  if [ -z "$fresh" ]; then
    # What an earlier setup of this lab created and the lab no longer has is removed first.
    step='removing what the lab no longer has'
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

step='router-filter6.ns:4  ns lan'
if netns_exists lan || ! created 'netns lan' ip netns add lan; then
  have_netns lan
fi
if lab_owns 'netns lan'; then # not in a namespace that was there before
  ip -n lan link set dev lo up
fi

step='router-filter6.ns:5  ns r1'
if netns_exists r1 || ! created 'netns r1' ip netns add r1; then
  have_netns r1
fi
if lab_owns 'netns r1'; then # not in a namespace that was there before
  ip -n r1 link set dev lo up
fi

step='router-filter6.ns:6  ns dmz'
if netns_exists dmz || ! created 'netns dmz' ip netns add dmz; then
  have_netns dmz
fi
if lab_owns 'netns dmz'; then # not in a namespace that was there before
  ip -n dmz link set dev lo up
fi

step='router-filter6.ns:7  ns edge'
if netns_exists edge || ! created 'netns edge' ip netns add edge; then
  have_netns edge
fi
if lab_owns 'netns edge'; then # not in a namespace that was there before
  ip -n edge link set dev lo up
fi

step='router-filter6.ns:8  veth lan<->r1:inside ip 10.0.1.2/24, 10.0.1.1/24, fd00:1::2/64, fd00:1::1/64'
if ! created 'link lan veth-lan' ip -n lan link add name veth-lan type veth peer name inside netns r1; then
  have_link lan veth-lan veth
fi
ip -n lan -batch - <<'IP'
link set dev veth-lan addrgenmode none
link set dev veth-lan up
addr replace 10.0.1.2/24 dev veth-lan
addr replace fd00:1::2/64 dev veth-lan nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
addr replace fe80::2/64 dev veth-lan nodad
IP
claim 'addr lan veth-lan 10.0.1.2/24'
claim 'addr lan veth-lan fd00:1::2/64'
claim 'addr lan veth-lan fe80::2/64'
ip -n r1 -batch - <<'IP'
link set dev inside addrgenmode none
link set dev inside up
addr replace 10.0.1.1/24 dev inside
addr replace fd00:1::1/64 dev inside nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
addr replace fe80::1/64 dev inside nodad
IP
claim 'addr r1 inside 10.0.1.1/24'
claim 'addr r1 inside fd00:1::1/64'
claim 'addr r1 inside fe80::1/64'

step='router-filter6.ns:9  veth r1:dmz<->dmz ip 10.0.2.1/24, 10.0.2.2/24, fd00:2::1/64, fd00:2::2/64'
if ! created 'link r1 dmz' ip -n r1 link add name dmz type veth peer name veth-dmz netns dmz; then
  have_link r1 dmz veth
fi
ip -n r1 -batch - <<'IP'
link set dev dmz addrgenmode none
link set dev dmz up
addr replace 10.0.2.1/24 dev dmz
addr replace fd00:2::1/64 dev dmz nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
addr replace fe80::1/64 dev dmz nodad
IP
claim 'addr r1 dmz 10.0.2.1/24'
claim 'addr r1 dmz fd00:2::1/64'
claim 'addr r1 dmz fe80::1/64'
ip -n dmz -batch - <<'IP'
link set dev veth-dmz addrgenmode none
link set dev veth-dmz up
addr replace 10.0.2.2/24 dev veth-dmz
addr replace fd00:2::2/64 dev veth-dmz nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
addr replace fe80::2/64 dev veth-dmz nodad
IP
claim 'addr dmz veth-dmz 10.0.2.2/24'
claim 'addr dmz veth-dmz fd00:2::2/64'
claim 'addr dmz veth-dmz fe80::2/64'

step='router-filter6.ns:10  veth r1:wan<->edge ip 2001:db8:9::1/64, 2001:db8:9::2/64'
if ! created 'link r1 wan' ip -n r1 link add name wan type veth peer name veth-edge netns edge; then
  have_link r1 wan veth
fi
ip -n r1 -batch - <<'IP'
link set dev wan addrgenmode none
link set dev wan up
addr replace 2001:db8:9::1/64 dev wan nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
addr replace fe80::1/64 dev wan nodad
IP
claim 'addr r1 wan 2001:db8:9::1/64'
claim 'addr r1 wan fe80::1/64'
ip -n edge -batch - <<'IP'
link set dev veth-edge addrgenmode none
link set dev veth-edge up
addr replace 2001:db8:9::2/64 dev veth-edge nodad
# (nsgen's: with addrgenmode none, the link-local address the kernel needs to resolve neighbours for packets it forwards)
addr replace fe80::2/64 dev veth-edge nodad
IP
claim 'addr edge veth-edge 2001:db8:9::2/64'
claim 'addr edge veth-edge fe80::2/64'

step='router-filter6.ns:11  address r1:wan 2001:db8:9::10/64'
ip -n r1 addr replace 2001:db8:9::10/64 dev wan nodad
claim 'addr r1 wan 2001:db8:9::10/64'

step='router-filter6.ns:12  route lan default via 10.0.1.1'
if ! created 'route lan default via 10.0.1.1 metric 0' ip -n lan route add default via 10.0.1.1; then
  have_route lan default via 10.0.1.1 metric 0
fi

step='router-filter6.ns:13  route lan default via fd00:1::1'
if ! created 'route lan default via fd00:1::1 metric 1024' ip -n lan route add default via fd00:1::1; then
  have_route lan default via fd00:1::1 metric 1024
fi

step='router-filter6.ns:14  route dmz default via 10.0.2.1'
if ! created 'route dmz default via 10.0.2.1 metric 0' ip -n dmz route add default via 10.0.2.1; then
  have_route dmz default via 10.0.2.1 metric 0
fi

step='router-filter6.ns:15  route dmz default via fd00:2::1'
if ! created 'route dmz default via fd00:2::1 metric 1024' ip -n dmz route add default via fd00:2::1; then
  have_route dmz default via fd00:2::1 metric 1024
fi

step='router-filter6.ns:16  route edge fd00::/16 via 2001:db8:9::1'
if ! created 'route edge fd00::/16 via 2001:db8:9::1 metric 1024' ip -n edge route add fd00::/16 via 2001:db8:9::1; then
  have_route edge fd00::/16 via 2001:db8:9::1 metric 1024
fi

step='firewall in namespace r1: iptables and ip6tables chains nsgen-router-filter6-*'
# The lab's rules inside r1 live in its own chains there (nsgen-router-filter6-*: nat
# PREROUTING and OUTPUT forward and redirect ports (or whole addresses), nat POSTROUTING
# masquerades, filter FORWARD, inserted first, accepts that traffic and its replies (and a
# `router NS deny`'s allowed flows, then drops the rest); filter
# INPUT, inserted first, holds `isolate` and its `allow`s), each address family's in its own tool
# (the same chain names in both), loaded in one `iptables-restore --noflush` run and one
# `ip6tables-restore --noflush` run inside it: the namespace's own rules are not touched.
# router-filter6.ns:17  router r1 deny
# router-filter6.ns:18  allow lan -> dmz via r1 tcp 80
# router-filter6.ns:19  allow fd00:1::/64 -> fd00:2::/64 via r1 udp 53
# router-filter6.ns:20  forward r1 2001:db8:9::10 -> fd00:2::2 in wan
# router-filter6.ns:21  redirect r1 tcp 8080 -> 3128 in inside
ns_restore r1 iptables 'nsrules r1' nat:PREROUTING:nsgen-router-filter6-pre:-A nat:OUTPUT:nsgen-router-filter6-out:-A nat:POSTROUTING:nsgen-router-filter6-post:- filter:FORWARD:nsgen-router-filter6-fwd:-I filter:INPUT:nsgen-router-filter6-in:- <<'RULES'
*nat
:nsgen-router-filter6-pre - [0:0]
:nsgen-router-filter6-out - [0:0]
# router-filter6.ns:21  redirect r1 tcp 8080 -> 3128 in inside: connections to port 8080 arriving on inside, whatever their destination (PREROUTING), and the namespace's own to its addresses (OUTPUT), go to its own port 3128
-A nsgen-router-filter6-pre -i inside -p tcp -m tcp --dport 8080 -m comment --comment "router-filter6.ns:21" -j REDIRECT --to-ports 3128
-A nsgen-router-filter6-out -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -m comment --comment "router-filter6.ns:21" -j REDIRECT --to-ports 3128
COMMIT
*filter
:nsgen-router-filter6-fwd - [0:0]
# router-filter6.ns:17  router r1 deny: no new connections forwarded but those allowed; replies always
-A nsgen-router-filter6-fwd -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "router-filter6.ns:17" -j ACCEPT
# router-filter6.ns:18  allow lan -> dmz via r1 tcp 80
-A nsgen-router-filter6-fwd -s 10.0.1.2/32 -d 10.0.2.2/32 -p tcp -m tcp --dport 80 -m comment --comment "router-filter6.ns:18" -j ACCEPT
-A nsgen-router-filter6-fwd -m comment --comment "router-filter6.ns:17" -j DROP
COMMIT
RULES
ns_restore r1 ip6tables - nat:PREROUTING:nsgen-router-filter6-pre:-A nat:OUTPUT:nsgen-router-filter6-out:-A nat:POSTROUTING:nsgen-router-filter6-post:- filter:FORWARD:nsgen-router-filter6-fwd:-I filter:INPUT:nsgen-router-filter6-in:- <<'RULES'
*nat
:nsgen-router-filter6-pre - [0:0]
:nsgen-router-filter6-out - [0:0]
# router-filter6.ns:20  forward r1 2001:db8:9::10 -> fd00:2::2 in wan: every connection to 2001:db8:9::10 (all protocols) arriving on wan (PREROUTING) and made by the namespace itself (OUTPUT)
-A nsgen-router-filter6-pre -i wan -d 2001:db8:9::10/128 -m comment --comment "router-filter6.ns:20" -j DNAT --to-destination fd00:2::2
-A nsgen-router-filter6-out -d 2001:db8:9::10/128 -m comment --comment "router-filter6.ns:20" -j DNAT --to-destination fd00:2::2
# router-filter6.ns:21  redirect r1 tcp 8080 -> 3128 in inside: connections to port 8080 arriving on inside, whatever their destination (PREROUTING), and the namespace's own to its addresses (OUTPUT), go to its own port 3128
-A nsgen-router-filter6-pre -i inside -p tcp -m tcp --dport 8080 -m comment --comment "router-filter6.ns:21" -j REDIRECT --to-ports 3128
-A nsgen-router-filter6-out -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -m comment --comment "router-filter6.ns:21" -j REDIRECT --to-ports 3128
COMMIT
*filter
:nsgen-router-filter6-fwd - [0:0]
# router-filter6.ns:20  forward r1 2001:db8:9::10 -> fd00:2::2 in wan: the forwarded connections in, and their replies
-A nsgen-router-filter6-fwd -i wan -d fd00:2::2/128 -m conntrack --ctstate DNAT --ctorigdst 2001:db8:9::10/128 -m comment --comment "router-filter6.ns:20" -j ACCEPT
-A nsgen-router-filter6-fwd -o wan -s fd00:2::2/128 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "router-filter6.ns:20" -j ACCEPT
# router-filter6.ns:17  router r1 deny: no new connections forwarded but those allowed; replies always
-A nsgen-router-filter6-fwd -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "router-filter6.ns:17" -j ACCEPT
# router-filter6.ns:18  allow lan -> dmz via r1 tcp 80
-A nsgen-router-filter6-fwd -s fd00:1::2/128 -d fd00:2::2/128 -p tcp -m tcp --dport 80 -m comment --comment "router-filter6.ns:18" -j ACCEPT
# router-filter6.ns:19  allow fd00:1::/64 -> fd00:2::/64 via r1 udp 53
-A nsgen-router-filter6-fwd -s fd00:1::/64 -d fd00:2::/64 -p udp -m udp --dport 53 -m comment --comment "router-filter6.ns:19" -j ACCEPT
-A nsgen-router-filter6-fwd -m comment --comment "router-filter6.ns:17" -j DROP
COMMIT
RULES

step='router-filter6.ns:17  router r1 deny'
if ! lab_owns 'netns r1' && [ ! -e /run/nsgen/labs/router-filter6/prior-sysctl/r1/net.ipv4.ip_forward ]; then # kept for teardown
  mkdir -p /run/nsgen/labs/router-filter6/prior-sysctl/r1
  ip netns exec r1 sysctl -n net.ipv4.ip_forward >/run/nsgen/labs/router-filter6/prior-sysctl/r1/net.ipv4.ip_forward
  undo_push 'nsctl r1 net.ipv4.ip_forward'
fi
ip netns exec r1 sysctl -qw net.ipv4.ip_forward=1
if ! lab_owns 'netns r1' && [ ! -e /run/nsgen/labs/router-filter6/prior-sysctl/r1/net.ipv6.conf.all.forwarding ]; then # kept for teardown
  mkdir -p /run/nsgen/labs/router-filter6/prior-sysctl/r1
  ip netns exec r1 sysctl -n net.ipv6.conf.all.forwarding >/run/nsgen/labs/router-filter6/prior-sysctl/r1/net.ipv6.conf.all.forwarding
  undo_push 'nsctl r1 net.ipv6.conf.all.forwarding'
fi
ip netns exec r1 sysctl -qw net.ipv6.conf.all.forwarding=1
STEPS

  trap - ERR INT TERM
  echo "nsgen: lab '$lab' is up" >&2
}

# preflight: stop before anything is done unless this runs as root and has the tools it calls.
preflight() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "nsgen: lab '$lab' setup must run as root" >&2
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
  need_tool mountpoint
  # The lab's interfaces in namespaces get `addrgenmode none` (no IPv6 link-local address, see
  # docs/language.md), which needs a kernel with IPv6.
  if [ ! -d /proc/sys/net/ipv6 ]; then
    echo "nsgen: this kernel has no IPv6 (booted with ipv6.disable=1?); add 'ipv6 link-local' to lab '$lab' to leave IPv6 alone" >&2
    exit 1
  fi
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
  fresh=1 # no record yet: rollback then forgets the lab altogether
  if [ -e /run/nsgen/labs/router-filter6/record ]; then
    fresh=''
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
  if [ -z "$source" ]; then printf '%s\n' "$this" >/run/nsgen/labs/router-filter6/source; fi
  for key in "${!owned[@]}"; do # a namespace file left by an `ip netns add` killed half-way
    if [[ $key == "netns "* && ${owned[$key]} == '?' && -e /run/netns/${key#netns } ]] &&
      ! mountpoint -q "/run/netns/${key#netns }"; then
      rm -f "/run/netns/${key#netns }"
    fi
  done
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

# claim KEY: KEY (an address setup put on an interface in a namespace) is in the lab's record.
claim() {
  if [ "${owned[$1]-}" != + ]; then record + "$1"; fi
}

# undo_push KEY: this run created KEY (see record): on the undo list (newest last), for rollback,
# and in the record, for teardown.
undo_push() {
  undo+=("$1")
  record + "$1"
}

# rollback: undo this run's changes, newest first, ignoring errors (best effort); the record
# then says so. A lab this run began is forgotten altogether.
rollback() {
  local i kind where name rest
  local -a in_ns match
  for ((i = ${#undo[@]} - 1; i >= 0; i--)); do
    read -r kind where name rest <<<"${undo[i]}"
    in_ns=()
    if [ -n "$where" ] && [ "$where" != - ]; then in_ns=(-n "$where"); fi
    case $kind in
      netns) ip netns del "$where" ;;
      link) ip "${in_ns[@]}" link del dev "$name" ;;
      route) read -ra match <<<"$rest" && ip "${in_ns[@]}" route del "$name" "${match[@]}" ;; # rest: [via GW] [dev IF] metric N
      nsctl) # a sysctl of a namespace that was there before the lab: its kept value back
        ip netns exec "$where" sysctl -qw "$name=$(cat /run/nsgen/labs/router-filter6/prior-sysctl/"$where/$name")" &&
          rm -f /run/nsgen/labs/router-filter6/prior-sysctl/"$where/$name" &&
          rmdir -p /run/nsgen/labs/router-filter6/prior-sysctl/"$where" ;;
      nsrules) remove_ns_rules "$where" ;;
    esac
    record - "${undo[i]}"
  done 2>/dev/null
  if [ -n "$fresh" ]; then forget_lab; fi
}

# on_error STATUS: report the failing step, roll back, exit with STATUS.
on_error() {
  local status=$1
  trap - ERR INT TERM
  set +e
  echo "nsgen: lab '$lab' setup failed at $step (exit $status); undoing what this run created" >&2
  rollback
  exit "$status"
}

# hold_signals / release_signals: INT and TERM between the two wait until release_signals, so
# that creating something and recording it cannot be torn apart (the rollback then runs).
hold_signals() {
  pending=''
  trap 'pending=130' INT
  trap 'pending=143' TERM
}

release_signals() {
  trap 'on_error 130' INT
  trap 'on_error 143' TERM
  if [ -n "${pending-}" ]; then on_error "$pending"; fi
}

# created KEY CMD...: run CMD, which creates KEY (see record); true if it did: KEY is then on
# the undo list and in the record, as one step no INT or TERM can split. False if it failed with
# "File exists" (the caller then checks what is there); any other failure stops the setup with
# CMD's message. Trying first costs one process where checking first costs two; its messages
# go through a file, not $(...), which would cost another.
created() {
  local key=$1 before=${owned[$1]-} status=0
  shift
  hold_signals
  record '?' "$key"
  LC_ALL=C "$@" 2>"$tmp/err" >/dev/null || status=$?
  if [ "$status" -eq 0 ]; then
    undo_push "$key"
    release_signals
    return 0
  fi
  if [ "$status" -gt 128 ] && [[ $key == "netns "* ]]; then
    undo+=("$key") # killed half-way (Ctrl-C reaches ip too): it may have left /run/netns/NAME
  else
    record "${before:--}" "$key"
  fi
  release_signals
  in_the_way=''
  IFS= read -r -d '' in_the_way <"$tmp/err" || true
  if [[ $in_the_way == *"File exists"* ]]; then return 1; fi
  printf '%s\n' "$in_the_way" >&2
  on_error "$status"
}

# have_netns NAME: namespace NAME is there already. One the lab's record says its setup created
# is used as it is; any other is used too, but never deleted: say so.
have_netns() {
  if lab_owns "netns $1"; then return 0; fi
  echo "nsgen: namespace '$1' was there before lab '$lab': using it; teardown will leave it, and what was in it before" >&2
}

# have_link NS NAME KIND: after `created` met "File exists": go on if NS ('' is the host) has
# NAME as a KIND; else stop the setup and say what is in the way.
have_link() {
  if link_is "$1" "$2" "$3"; then return 0; fi
  if link_exists "$1" "$2"; then
    echo "nsgen: interface '$2' already exists${1:+ in namespace $1} and is not a $3" >&2
  else
    printf '%s\n' "$in_the_way" >&2
  fi
  on_error 1
}

# have_route NS DESTINATION [via GATEWAY] [dev IFNAME] metric N: after `created` met "File exists": go on if NS has that
# very route; else stop the setup: a different route to DESTINATION is in the way.
have_route() {
  if has_route "$@"; then return 0; fi
  local -a in_ns=()
  if [ -n "$1" ]; then in_ns=(-n "$1"); fi
  if [[ ${*:2} == *:* ]]; then in_ns+=(-6); fi
  echo "nsgen: ${1:-the host} already has another route to $2: $(ip "${in_ns[@]}" route show exact "$2" | head -n 1 || true)" >&2
  on_error 1
}

# netns_exists NAME: true if the network namespace NAME exists (`ip netns add` makes /run/netns/NAME).
netns_exists() {
  [ -e "/run/netns/$1" ]
}

# made_now NS: true if this run created namespace NS (it is on the undo list). The undo list's
# namespaces are indexed as they come (made_ns), so that asking once per namespace of a big lab
# does not read the whole list each time.
made_now() {
  local key
  declare -gA made_ns
  if [ "${#undo[@]}" -gt "${made_seen:-0}" ]; then
    for key in "${undo[@]:${made_seen:-0}}"; do
      if [[ $key == "netns "* ]]; then made_ns[${key#netns }]=1; fi
    done
    made_seen=${#undo[@]}
  fi
  [ -n "${made_ns[$1]-}" ]
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

# ns_restore NS TOOL KEY TABLE:BUILTIN:CHAIN:HOW...: load the lab's rules inside namespace NS
# (stdin: their tables, each ending in COMMIT) in one `TOOL-restore --noflush` run, after one
# `TOOL-save` run that shows what is there (none in a namespace this run made): each lab chain
# with HOW -A or -I is hooked that way unless its jump is there already, and each with HOW -
# (one this version of the lab does not use) is unhooked and deleted if an earlier version made
# it, in the same run. KEY (not -): the record key of the lab's rules there, put on the undo list
# unless an earlier run of the lab made rules there (the record says so).
ns_restore() {
  local ns=$1 tool=$2 key=$3 saved='' line table='' spec t builtin chain how rest
  local -A extra=()
  shift 3
  if ! made_now "$ns"; then saved=$'\n'$(ip netns exec "$ns" "$tool-save" 2>/dev/null || true)$'\n'; fi
  # the lab's rules there, of either family, are this run's to undo only if no earlier run made some
  if [ "$key" != - ] && ! lab_owns "$key"; then undo_push "$key"; fi
  for spec in "$@"; do
    IFS=: read -r t builtin chain how <<<"$spec"
    if [ "$how" != - ]; then
      [[ $saved == *$'\n'"-A $builtin -j $chain"$'\n'* ]] || extra[$t]+="$how $builtin -j $chain"$'\n'
    elif [[ $saved == *$'\n':"$chain "* ]]; then
      rest=$saved
      while [[ $rest == *$'\n'"-A $builtin -j $chain"$'\n'* ]]; do
        extra[$t]+="-D $builtin -j $chain"$'\n'
        rest=${rest#*$'\n'"-A $builtin -j $chain"}
      done
      extra[$t]+="-F $chain"$'\n'"-X $chain"$'\n'
    fi
  done
  {
    while IFS= read -r line; do
      if [[ $line == '*'* ]]; then table=${line#\*}; fi
      if [ "$line" = COMMIT ] && [ -n "$table" ] && [ -n "${extra[$table]-}" ]; then
        printf '%s' "${extra[$table]}"
        unset "extra[$table]"
      fi
      printf '%s\n' "$line"
    done
    if [ "${#extra[@]}" -gt 0 ]; then
      for table in "${!extra[@]}"; do printf '*%s\n%sCOMMIT\n' "$table" "${extra[$table]}"; done
    fi
  } >"$tmp/ns-rules"
  if [ -s "$tmp/ns-rules" ]; then ip netns exec "$ns" "$tool-restore" --noflush <"$tmp/ns-rules"; fi
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
