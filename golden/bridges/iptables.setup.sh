#!/usr/bin/env bash
# Setup of nsgen lab 'bridges', compiled from bridges.ns (target iptables, default style).
# Creates namespaces red, blue; bridges sw0, sw1; veth pairs veth-red-br/veth-red,
# veth-blue-br/veth-blue, veth-sw0-br/veth-sw1-br; rules in iptables chains nsgen-bridges-* (accept
# across sw0, accept across sw1).
# Run it as root. Running it again changes nothing. If a step fails, it names the lab-file line,
# removes what this run created and exits non-zero. Undo: nsgen down bridges.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=bridges
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
netns red
netns blue
link - sw0
link - sw1
link - veth-red-br
addr red veth-red 10.0.4.1/24
link - veth-blue-br
addr blue veth-blue 10.0.4.2/24
link - veth-sw0-br
rules
KEYS
  fi
  # The lab's steps. Bash reads and runs them one after another from this here-document: kept
  # as one function body, a big lab's steps would make every command bash starts slower to start.
  # shellcheck source=/dev/null
  source /dev/fd/3 3<<'STEPS'

step='bridges.ns:3  ns red'
if netns_exists red || ! created 'netns red' ip netns add red; then
  have_netns red
fi
if lab_owns 'netns red'; then # not in a namespace that was there before
  ip -n red link set dev lo up
fi

step='bridges.ns:4  ns blue'
if netns_exists blue || ! created 'netns blue' ip netns add blue; then
  have_netns blue
fi
if lab_owns 'netns blue'; then # not in a namespace that was there before
  ip -n blue link set dev lo up
fi

step='bridges.ns:5  bridge sw0 ip 10.0.4.254/24'
if ! created 'link - sw0' ip link add name sw0 type bridge; then
  have_link '' sw0 bridge
  keep_prior sw0 10.0.4.254/24
fi
ip link set dev sw0 up
ip addr replace 10.0.4.254/24 dev sw0

step='bridges.ns:6  bridge sw1'
if ! created 'link - sw1' ip link add name sw1 type bridge; then
  have_link '' sw1 bridge
  keep_prior sw1
fi
ip link set dev sw1 up

step='bridges.ns:7  veth red<->sw0 ip 10.0.4.1/24'
# (if red is new, a marked veth-red-br still here is being removed with a namespace deleted by hand: wait, then create)
if ! created 'link - veth-red-br' ip link add name veth-red-br master sw0 up type veth peer name veth-red netns red && ! { { has_mark veth-red-br || link_gone '' veth-red-br; } && made_now red &&
  veths_gone veth-red-br && created 'link - veth-red-br' ip link add name veth-red-br master sw0 up type veth peer name veth-red netns red; }; then
  have_own_link veth-red-br veth
  ip link set dev veth-red-br master sw0 up
fi
ip -n red -batch - <<'IP'
link set dev veth-red addrgenmode none
link set dev veth-red up
addr replace 10.0.4.1/24 dev veth-red
IP
claim 'addr red veth-red 10.0.4.1/24'

step='bridges.ns:8  veth blue<->sw1 ip 10.0.4.2/24'
# (if blue is new, a marked veth-blue-br still here is being removed with a namespace deleted by hand: wait, then create)
if ! created 'link - veth-blue-br' ip link add name veth-blue-br master sw1 up type veth peer name veth-blue netns blue && ! { { has_mark veth-blue-br || link_gone '' veth-blue-br; } && made_now blue &&
  veths_gone veth-blue-br && created 'link - veth-blue-br' ip link add name veth-blue-br master sw1 up type veth peer name veth-blue netns blue; }; then
  have_own_link veth-blue-br veth
  ip link set dev veth-blue-br master sw1 up
fi
ip -n blue -batch - <<'IP'
link set dev veth-blue addrgenmode none
link set dev veth-blue up
addr replace 10.0.4.2/24 dev veth-blue
IP
claim 'addr blue veth-blue 10.0.4.2/24'

step='bridges.ns:9  veth sw0<->sw1'
if ! created 'link - veth-sw0-br' ip link add name veth-sw0-br master sw1 up type veth peer name veth-sw1-br; then
  have_own_link veth-sw0-br veth
  ip link set dev veth-sw0-br master sw1 up
fi
ip link set dev veth-sw1-br master sw0 up

step='firewall: iptables chains nsgen-bridges-*'
if ! iptables -t filter -S nsgen-bridges-fwd >/dev/null 2>&1; then
  undo_push rules
fi
# The lab's rules live in its own chains, so nothing else is touched:
# nsgen-bridges-fwd (filter FORWARD, inserted first) accepts the lab's own traffic and its
# replies, so a FORWARD policy or rule that drops (Docker's, say) does not block the lab:
#   traffic between its namespaces across its bridges (it crosses FORWARD when br_netfilter is on);
# bridges.ns:5  bridge sw0 ip 10.0.4.254/24
# bridges.ns:6  bridge sw1
remove_chains iptables:nsgen-bridges-pre iptables:nsgen-bridges-post iptables:nsgen-bridges-out ip6tables:nsgen-bridges-pre ip6tables:nsgen-bridges-post ip6tables:nsgen-bridges-fwd ip6tables:nsgen-bridges-out # chains an earlier version of the lab file needed, if any
iptables-restore --noflush <<'RULES'
*filter
:nsgen-bridges-fwd - [0:0]
# bridges.ns:5  bridge sw0 ip 10.0.4.254/24: between the lab's namespaces across it (seen here when br_netfilter is on)
-A nsgen-bridges-fwd -i sw0 -o sw0 -m comment --comment "bridges.ns:5" -j ACCEPT
# bridges.ns:6  bridge sw1: between the lab's namespaces across it (seen here when br_netfilter is on)
-A nsgen-bridges-fwd -i sw1 -o sw1 -m comment --comment "bridges.ns:6" -j ACCEPT
COMMIT
RULES
iptables -t filter -C FORWARD -j nsgen-bridges-fwd 2>/dev/null || iptables -t filter -I FORWARD -j nsgen-bridges-fwd
STEPS

  # The links this run made in the host get the lab's mark (teardown deletes only links with it),
  # all in one `ip -batch` (a veth end that is there already is used only if it has the mark).
  step='marking the links this run made'
  mark_made_links

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
  need_tool awk
  need_tool flock
  need_tool mountpoint
  # The lab's interfaces in namespaces get `addrgenmode none` (no IPv6 link-local address, see
  # docs/language.md), which needs a kernel with IPv6.
  if [ ! -d /proc/sys/net/ipv6 ]; then
    echo "nsgen: this kernel has no IPv6 (booted with ipv6.disable=1?); add 'ipv6 link-local' to lab '$lab' to leave IPv6 alone" >&2
    exit 1
  fi
  # Setup inserts the jump to nsgen-bridges-fwd first in FORWARD. One that is there already
  # but no longer first (rules inserted before it since) lets a FORWARD policy of DROP, or those
  # rules, drop the lab's traffic: warn (one `iptables -S FORWARD`, read only).
  iptables -t filter -S FORWARD 2>/dev/null | awk -v jump='-A FORWARD -j nsgen-bridges-fwd' -v lab="$lab" '
    $1 == "-P" && $3 == "DROP" { drop = 1 }
    $1 == "-A" { rules++; if ($0 == jump && !at) at = rules }
    END {
      if (drop && at > 1)
        printf "nsgen: warning: FORWARD has policy DROP and %d rule(s) before the jump to lab %s'"'"'s accepts (%s): they may drop its traffic; run its teardown, then setup again, to put the jump first\n", at - 1, lab, substr(jump, 15)
    }' >&2 || true
  # With iptables-nft, another nft table's forward hook with policy drop (a native nftables
  # firewall) drops the lab's traffic whatever FORWARD accepts: warn of those too, when nft is here.
  if command -v nft >/dev/null; then
    nft list ruleset 2>/dev/null | awk -v own=filter -v ours='its chains nsgen-bridges-*' -v lab="$lab" '
      $1 == "table" { family = $2; name = $3 }
      $1 == "chain" { chain = $2 }
      / hook forward / && /policy drop;/ && (family == "ip" || family == "inet" || family == "bridge") && !((family == "ip" || family == "inet") && name == own) {
        if (family == "ip" && name == "filter" && chain == "FORWARD")
          printf "nsgen: warning: iptables'"'"' FORWARD chain (nft table ip filter) has policy drop: it drops lab %s'"'"'s forwarded traffic whatever %s accepts; build the lab with -t iptables (its accepts are jumped to first from FORWARD), or accept the lab'"'"'s bridges and subnets in FORWARD (on Docker hosts, in DOCKER-USER)\n", lab, ours
        else
          printf "nsgen: warning: nft table %s %s, chain %s, has policy drop on the forward hook: it drops lab %s'"'"'s forwarded traffic whatever %s accepts (an accept in one table does not stop a drop in another); accept the lab'"'"'s bridges and subnets in that chain, or make its policy accept\n", family, name, chain, lab, ours
      }' >&2 || true
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
  local state key source='' this=bridges.ns
  take_lock /run/nsgen/labs/bridges/lock "lab '$lab'"
  fresh=1 # no record yet: rollback then forgets the lab altogether
  if [ -e /run/nsgen/labs/bridges/record ]; then
    fresh=''
    # shellcheck disable=SC2034 # (a script whose helpers never ask leaves it unread)
    while read -r state key; do owned[$key]=$state; done </run/nsgen/labs/bridges/record
  fi
  if [ -e /run/nsgen/labs/bridges/source ]; then
    IFS= read -r source </run/nsgen/labs/bridges/source || true
  fi
  if [ -n "$source" ] && [ "$source" != "$this" ]; then
    echo "nsgen: lab '$lab' on this host was set up from $source, not from $this; two lab files with one lab name would delete each other's namespaces and links" >&2
    echo "hint: give one of them a name of its own (a line 'lab NAME'), or tear the other down first" >&2
    exit 1
  fi
  if [ -z "$source" ]; then printf '%s\n' "$this" >/run/nsgen/labs/bridges/source; fi
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
  local prior
  for prior in /run/nsgen/labs/bridges/prior/*; do
    if [ -e "$prior" ]; then put_back "${prior##*/}"; fi
  done
  rm -f /run/nsgen/labs/bridges/record /run/nsgen/labs/bridges/source /run/nsgen/labs/bridges/lock
  rmdir /run/nsgen/labs/bridges /run/nsgen/labs /run/nsgen 2>/dev/null || true
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
    - /run/nsgen/labs/bridges/record)
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
        run) stop_process /run/nsgen/labs/bridges/run/"$name.pid" /run/nsgen/labs/bridges/run/"$name.log" ;;
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

# record STATE KEY: add a line to the lab's record, /run/nsgen/labs/bridges/record: `? KEY` just
# before this run tries to create KEY, `+ KEY` once it has, `- KEY` once it undid it. KEY is
# `netns NAME`, `link NS NAME` (NS `-`: the host), `route NS DESTINATION [via GW] [dev IF] metric N`,
# `addr NS IFNAME ADDRESS`, `rules`, `nsrules NS` or `sysctl KEY` (templates/steps/words.j2, record_key).
# Teardown deletes only what the record says this lab created (`+`; for a namespace `?` too).
record() {
  printf '%s %s\n' "$1" "$2" >>/run/nsgen/labs/bridges/record
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
      rules) remove_rules ;;
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

# have_own_link NAME KIND: after `created` met "File exists" in the host: go on only if NAME is a
# KIND this lab's setup created (it carries the lab's mark); else stop the setup: nsgen never takes
# over an interface it did not create (a container's eth0, another bridge's port, ...).
have_own_link() {
  if lab_link "$1" "$2"; then return 0; fi
  if link_exists '' "$1"; then
    echo "nsgen: interface '$1' already exists in the host and was not made by lab '$lab'; nsgen does not take over interfaces it did not create: give this end another name" >&2
  else
    printf '%s\n' "$in_the_way" >&2
  fi
  on_error 1
}

# keep_prior BRIDGE [ADDRESS...]: BRIDGE was there before the lab (its record does not list it,
# it carries no mark): keep, once, what setup changes on it (its MTU, whether it is up, its
# addresses) and the lab's ADDRESSes in /run/nsgen/labs/bridges/prior/BRIDGE, so that teardown
# (or a rollback) can put it back (put_back).
keep_prior() {
  local file=/run/nsgen/labs/bridges/prior/"$1"
  if [ -e "$file" ] || ! link_is '' "$1" bridge || lab_link "$1" bridge; then return 0; fi
  mkdir -p "${file%/*}"
  { ip -o link show dev "$1"; ip -o addr show dev "$1"; } | awk '
    $3 ~ /^</ { for (i = 4; i < NF; i++) if ($i == "mtu") print "mtu", $(i + 1); print "up", ($3 ~ /[<,]UP[,>]/) ? 1 : 0; next }
    $3 == "inet" || $3 == "inet6" { print "addr", $4 }' >"$file.new"
  printf 'lab %s\n' "${@:2}" >>"$file.new"
  mv "$file.new" "$file"
}

# mark_made_links: give every link this run made in the host the lab's mark, alias
# nsgen:bridges, in one `ip -batch` (teardown deletes only links with it, or in the record).
mark_made_links() {
  local key
  for key in "${undo[@]}"; do
    if [[ $key == "link - "* ]]; then
      printf 'link set dev %s alias %s\n' "${key#link - }" nsgen:bridges
    fi
  done | ip -batch -
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

# lab_link NAME KIND: true if the host's interface NAME is a KIND this lab's setup created: the
# lab's record says so, or it carries the alias nsgen:bridges (matched as the alias
# field, whatever else, altnames say, is listed; the mark alone serves when the record is gone).
# A veth end teardown saw go with its peer's namespace (veths_gone -m) is not asked about again.
lab_link() {
  declare -gA gone_veths
  if [ -n "${gone_veths[$1]-}" ]; then return 1; fi
  if [ "${owned[link - $1]-}" = + ] && link_is '' "$1" "$2"; then return 0; fi
  ip link show dev "$1" type "$2" 2>/dev/null |
    awk -v mark=nsgen:bridges '$1 == "alias" && $2 == mark && NF == 2 { ours = 1 } END { exit !ours }'
}

# has_mark NAME: true if the host's link NAME, of any kind (one the kernel is removing shows
# none), carries this lab's mark, alias nsgen:bridges.
has_mark() {
  ip link show dev "$1" 2>/dev/null |
    awk -v mark=nsgen:bridges '$1 == "alias" && $2 == mark && NF == 2 { ours = 1 } END { exit !ours }'
}

# release_sysctl KEY: this lab no longer needs the host's sysctl KEY changed. The last lab to let
# go puts back the value it had before the first one changed it.
release_sysctl() {
  local dir=/run/nsgen/host/$1
  lock_host
  rm -f "$dir"/bridges
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

# put_back BRIDGE: BRIDGE was there before the lab: give it back the MTU and the up or down
# state keep_prior found, and remove the lab's addresses it did not have then.
put_back() {
  local file=/run/nsgen/labs/bridges/prior/"$1" what value address
  local -A had=()
  local -a added=()
  local mtu='' up=''
  [ -e "$file" ] || return 0
  while read -r what value; do
    case $what in
      mtu) mtu=$value ;;
      up) up=$value ;;
      addr) had[$value]=1 ;;
      lab) if [ -n "$value" ]; then added+=("$value"); fi ;;
    esac
  done <"$file"
  if link_exists '' "$1"; then
    for address in "${added[@]}"; do
      if [ -z "${had[$address]-}" ]; then ip addr del "$address" dev "$1" 2>/dev/null || true; fi
    done
    if [ -n "$mtu" ]; then ip link set dev "$1" mtu "$mtu"; fi
    if [ "$up" = 0 ]; then ip link set dev "$1" down; fi
  fi
  rm -f "$file"
  rmdir "${file%/*}" 2>/dev/null || true
}

# remove_rules: unhook and delete the lab's chains (nsgen-bridges-*, in iptables
# and ip6tables), if present: every chain a setup of this lab may have made, so that one an
# earlier version of the lab file needed goes too.
remove_rules() {
  remove_chains iptables:nsgen-bridges-pre iptables:nsgen-bridges-post iptables:nsgen-bridges-fwd iptables:nsgen-bridges-out ip6tables:nsgen-bridges-pre ip6tables:nsgen-bridges-post ip6tables:nsgen-bridges-fwd ip6tables:nsgen-bridges-out
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
iptables nat PREROUTING nsgen-bridges-pre
iptables nat POSTROUTING nsgen-bridges-post
iptables filter FORWARD nsgen-bridges-fwd
iptables nat OUTPUT nsgen-bridges-out
ip6tables nat PREROUTING nsgen-bridges-pre
ip6tables nat POSTROUTING nsgen-bridges-post
ip6tables filter FORWARD nsgen-bridges-fwd
ip6tables nat OUTPUT nsgen-bridges-out
CHAINS
    )
    if [ -n "$changes" ]; then printf '%s\n' "$changes" | "$tool-restore" --noflush; fi
  done
}

# remove_ns_rules NS [TOOL...]: unhook and delete the lab's chains (nsgen-bridges-*)
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
nat PREROUTING nsgen-bridges-pre
nat OUTPUT nsgen-bridges-out
nat POSTROUTING nsgen-bridges-post
filter FORWARD nsgen-bridges-fwd
filter INPUT nsgen-bridges-in
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
