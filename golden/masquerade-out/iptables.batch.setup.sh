#!/usr/bin/env bash
# Setup of nsgen lab 'masquerade-out', compiled from masquerade-out.ns (target iptables, batch style).
# Creates namespace app; bridge br0; veth pair veth-app-br/veth-app; route in app to default; rules in
# iptables chains nsgen-masquerade-out-* (masquerade 172.20.0.0/24); net.ipv4.ip_forward=1.
# Run it as root. Running it again changes nothing. If a step fails, it names the lab-file line,
# removes what this run created and exits non-zero. Undo: nsgen down masquerade-out.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=masquerade-out
declare -A owned=() # what the lab's record says its setups created: KEY -> + or ? (see record)
step='preflight' # the lab-file statement being applied, for messages
undo=()          # what this run created, for rollback (see undo_push)
declare -A created_ns=() # namespaces this run creates (see undo_created)

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
netns app
link - br0
link - veth-app-br
addr app veth-app 172.20.0.2/24
route app default via 172.20.0.1 metric 0
rules
sysctl net.ipv4.ip_forward
KEYS
  fi

  # --- the host's steps in one `ip -batch`. A line `+KEY command` runs only if KEY (netns:,
  # bridge: or labveth: and a name) is missing, so a second run creates nothing; the other lines
  # are safe to repeat. A veth's host end is made with its peer already in its namespace.
  step='host batch'
  keep_prior br0 172.20.0.1/24
  filter_batch "$tmp/host" <<'BATCH'
# masquerade-out.ns:2  ns app
+netns:app netns add app
# masquerade-out.ns:3  bridge br0 ip 172.20.0.1/24
+bridge:br0 link add name br0 type bridge
+bridge:br0 link set dev br0 alias nsgen:masquerade-out
link set dev br0 up
addr replace 172.20.0.1/24 dev br0
# masquerade-out.ns:4  veth app<->br0 ip 172.20.0.2/24
+labveth:veth-app-br link add name veth-app-br type veth peer name veth-app netns app
+labveth:veth-app-br link set dev veth-app-br alias nsgen:masquerade-out
link set dev veth-app-br master br0 up
BATCH
  undo_created "$tmp/host.keys"
  run_batch "$tmp/host"
  confirm_created

  # --- each namespace's steps in one `ip -batch` run inside it, 8 namespaces at a time
  step='namespace batches'
  ns_batches <<'BATCH'
@ app
# masquerade-out.ns:2  ns app
# (next line: only in a namespace this lab created)
link set dev lo up
# masquerade-out.ns:4  veth app<->br0 ip 172.20.0.2/24
link set dev veth-app addrgenmode none
link set dev veth-app up
# (record: addr app veth-app 172.20.0.2/24)
addr replace 172.20.0.2/24 dev veth-app
# masquerade-out.ns:5  route app default via 172.20.0.1
# (record: route app default via 172.20.0.1 metric 0)
route add default via 172.20.0.1
BATCH
  record_batch

  step='firewall: iptables chains nsgen-masquerade-out-*'
  if ! iptables -t filter -S nsgen-masquerade-out-fwd >/dev/null 2>&1; then
    undo_push rules
  fi
  # The lab's rules live in its own chains, so nothing else is touched:
  # nsgen-masquerade-out-post (nat POSTROUTING) masquerades the lab's subnets leaving the host,
  # nsgen-masquerade-out-fwd (filter FORWARD, inserted first) accepts the lab's own traffic and its
  # replies, so a FORWARD policy or rule that drops (Docker's, say) does not block the lab:
  #   its masqueraded subnets' traffic out, and the replies;
  # masquerade-out.ns:6  nat masquerade 172.20.0.0/24 out eth0
  remove_chains iptables:nsgen-masquerade-out-pre iptables:nsgen-masquerade-out-out ip6tables:nsgen-masquerade-out-pre ip6tables:nsgen-masquerade-out-post ip6tables:nsgen-masquerade-out-fwd ip6tables:nsgen-masquerade-out-out # chains an earlier version of the lab file needed, if any
  iptables-restore --noflush <<'RULES'
*nat
:nsgen-masquerade-out-post - [0:0]
# masquerade-out.ns:6  nat masquerade 172.20.0.0/24 out eth0
-A nsgen-masquerade-out-post -s 172.20.0.0/24 ! -d 172.20.0.0/24 -o eth0 -m comment --comment "masquerade-out.ns:6" -j MASQUERADE
COMMIT
*filter
:nsgen-masquerade-out-fwd - [0:0]
# masquerade-out.ns:6  nat masquerade 172.20.0.0/24 out eth0: the subnet's traffic out, and replies to it
-A nsgen-masquerade-out-fwd -s 172.20.0.0/24 -o eth0 -m comment --comment "masquerade-out.ns:6" -j ACCEPT
-A nsgen-masquerade-out-fwd -d 172.20.0.0/24 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "masquerade-out.ns:6" -j ACCEPT
COMMIT
RULES
  iptables -t nat -C POSTROUTING -j nsgen-masquerade-out-post 2>/dev/null || iptables -t nat -A POSTROUTING -j nsgen-masquerade-out-post
  iptables -t filter -C FORWARD -j nsgen-masquerade-out-fwd 2>/dev/null || iptables -t filter -I FORWARD -j nsgen-masquerade-out-fwd

  # The host must route between the lab and its uplink for NAT to work.
  # The value found before the first lab changed it is kept in /run/nsgen/host/net.ipv4.ip_forward; the last lab to need it puts it back.
  step=net.ipv4.ip_forward=1
  lock_host
  sysctl_agrees net.ipv4.ip_forward 1
  if [ ! -e /run/nsgen/host/net.ipv4.ip_forward/masquerade-out ]; then
    hold_signals # the value before and the undo: both, or (rollback) neither
    undo_push 'sysctl net.ipv4.ip_forward'
    mkdir -p /run/nsgen/host/net.ipv4.ip_forward
    [ -e /run/nsgen/host/net.ipv4.ip_forward/value ] || { cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/host/net.ipv4.ip_forward/value.new && mv /run/nsgen/host/net.ipv4.ip_forward/value.new /run/nsgen/host/net.ipv4.ip_forward/value; }
    release_signals
  fi
  echo 1 >/run/nsgen/host/net.ipv4.ip_forward/masquerade-out
  echo 1 >/proc/sys/net/ipv4/ip_forward

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
  need_tool xargs
  need_tool nsenter
  need_tool flock
  need_tool mountpoint
  # The lab's interfaces in namespaces get `addrgenmode none` (no IPv6 link-local address, see
  # docs/language.md), which needs a kernel with IPv6.
  if [ ! -d /proc/sys/net/ipv6 ]; then
    echo "nsgen: this kernel has no IPv6 (booted with ipv6.disable=1?); add 'ipv6 link-local' to lab '$lab' to leave IPv6 alone" >&2
    exit 1
  fi
  # Setup inserts the jump to nsgen-masquerade-out-fwd first in FORWARD. One that is there already
  # but no longer first (rules inserted before it since) lets a FORWARD policy of DROP, or those
  # rules, drop the lab's traffic: warn (one `iptables -S FORWARD`, read only).
  iptables -t filter -S FORWARD 2>/dev/null | awk -v jump='-A FORWARD -j nsgen-masquerade-out-fwd' -v lab="$lab" '
    $1 == "-P" && $3 == "DROP" { drop = 1 }
    $1 == "-A" { rules++; if ($0 == jump && !at) at = rules }
    END {
      if (drop && at > 1)
        printf "nsgen: warning: FORWARD has policy DROP and %d rule(s) before the jump to lab %s'"'"'s accepts (%s): they may drop its traffic; run its teardown, then setup again, to put the jump first\n", at - 1, lab, substr(jump, 15)
    }' >&2 || true
  # With iptables-nft, another nft table's forward hook with policy drop (a native nftables
  # firewall) drops the lab's traffic whatever FORWARD accepts: warn of those too, when nft is here.
  if command -v nft >/dev/null; then
    nft list ruleset 2>/dev/null | awk -v own=filter -v ours='its chains nsgen-masquerade-out-*' -v lab="$lab" '
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
  local state key source='' this=masquerade-out.ns
  take_lock /run/nsgen/labs/masquerade-out/lock "lab '$lab'"
  fresh=1 # no record yet: rollback then forgets the lab altogether
  if [ -e /run/nsgen/labs/masquerade-out/record ]; then
    fresh=''
    # shellcheck disable=SC2034 # (a script whose helpers never ask leaves it unread)
    while read -r state key; do owned[$key]=$state; done </run/nsgen/labs/masquerade-out/record
  fi
  if [ -e /run/nsgen/labs/masquerade-out/source ]; then
    IFS= read -r source </run/nsgen/labs/masquerade-out/source || true
  fi
  if [ -n "$source" ] && [ "$source" != "$this" ]; then
    echo "nsgen: lab '$lab' on this host was set up from $source, not from $this; two lab files with one lab name would delete each other's namespaces and links" >&2
    echo "hint: give one of them a name of its own (a line 'lab NAME'), or tear the other down first" >&2
    exit 1
  fi
  if [ -z "$source" ]; then printf '%s\n' "$this" >/run/nsgen/labs/masquerade-out/source; fi
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
  for prior in /run/nsgen/labs/masquerade-out/prior/*; do
    if [ -e "$prior" ]; then put_back "${prior##*/}"; fi
  done
  rm -f /run/nsgen/labs/masquerade-out/record /run/nsgen/labs/masquerade-out/source /run/nsgen/labs/masquerade-out/lock
  rmdir /run/nsgen/labs/masquerade-out /run/nsgen/labs /run/nsgen 2>/dev/null || true
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
    - /run/nsgen/labs/masquerade-out/record)
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
        run) stop_process /run/nsgen/labs/masquerade-out/run/"$name.pid" /run/nsgen/labs/masquerade-out/run/"$name.log" ;;
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

# record STATE KEY: add a line to the lab's record, /run/nsgen/labs/masquerade-out/record: `? KEY` just
# before this run tries to create KEY, `+ KEY` once it has, `- KEY` once it undid it. KEY is
# `netns NAME`, `link NS NAME` (NS `-`: the host), `route NS DESTINATION [via GW] [dev IF] metric N`,
# `addr NS IFNAME ADDRESS`, `rules`, `nsrules NS` or `sysctl KEY` (templates/steps/words.j2, record_key).
# Teardown deletes only what the record says this lab created (`+`; for a namespace `?` too).
record() {
  printf '%s %s\n' "$1" "$2" >>/run/nsgen/labs/masquerade-out/record
  owned[$2]=$1
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
      sysctl) release_sysctl "$where" ;;
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

# keep_prior BRIDGE [ADDRESS...]: BRIDGE was there before the lab (its record does not list it,
# it carries no mark): keep, once, what setup changes on it (its MTU, whether it is up, its
# addresses) and the lab's ADDRESSes in /run/nsgen/labs/masquerade-out/prior/BRIDGE, so that teardown
# (or a rollback) can put it back (put_back).
keep_prior() {
  local file=/run/nsgen/labs/masquerade-out/prior/"$1"
  if [ -e "$file" ] || ! link_is '' "$1" bridge || lab_link "$1" bridge; then return 0; fi
  mkdir -p "${file%/*}"
  { ip -o link show dev "$1"; ip -o addr show dev "$1"; } | awk '
    $3 ~ /^</ { for (i = 4; i < NF; i++) if ($i == "mtu") print "mtu", $(i + 1); print "up", ($3 ~ /[<,]UP[,>]/) ? 1 : 0; next }
    $3 == "inet" || $3 == "inet6" { print "addr", $4 }' >"$file.new"
  printf 'lab %s\n' "${@:2}" >>"$file.new"
  mv "$file.new" "$file"
}

# netns_exists NAME: true if the network namespace NAME exists (`ip netns add` makes /run/netns/NAME).
netns_exists() {
  [ -e "/run/netns/$1" ]
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
# lab's record says so, or it carries the alias nsgen:masquerade-out (matched as the alias
# field, whatever else, altnames say, is listed; the mark alone serves when the record is gone).
# A veth end teardown saw go with its peer's namespace (veths_gone -m) is not asked about again.
lab_link() {
  declare -gA gone_veths
  if [ -n "${gone_veths[$1]-}" ]; then return 1; fi
  if [ "${owned[link - $1]-}" = + ] && link_is '' "$1" "$2"; then return 0; fi
  ip link show dev "$1" type "$2" 2>/dev/null |
    awk -v mark=nsgen:masquerade-out '$1 == "alias" && $2 == mark && NF == 2 { ours = 1 } END { exit !ours }'
}

# sysctl_agrees KEY VALUE: stop (exit 1, rollback) when another lab set the host's sysctl KEY to a
# value other than VALUE: setting it would change what that lab relies on. (A lab's file in
# /run/nsgen/host/KEY holds the value it set; an empty one, from an older nsgen, says nothing.)
sysctl_agrees() {
  local file other value
  for file in "/run/nsgen/host/$1"/*; do
    other=${file##*/}
    case $other in value | value.new | masquerade-out | '*') continue ;; esac
    value=$(cat "$file" 2>/dev/null || true) # (|| true: the ERR trap must not fire in this subshell)
    if [ -n "$value" ] && [ "$value" != "$2" ]; then
      printf "nsgen: lab '%s' set the host's %s to %s, and this lab sets it to %s; tear one of them down, or make them agree\n" \
        "$other" "$1" "$value" "$2" >&2
      return 1
    fi
  done
}

# release_sysctl KEY: this lab no longer needs the host's sysctl KEY changed. The last lab to let
# go puts back the value it had before the first one changed it.
release_sysctl() {
  local dir=/run/nsgen/host/$1
  lock_host
  rm -f "$dir"/masquerade-out
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
  local file=/run/nsgen/labs/masquerade-out/prior/"$1" what value address
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

# remove_rules: unhook and delete the lab's chains (nsgen-masquerade-out-*, in iptables
# and ip6tables), if present: every chain a setup of this lab may have made, so that one an
# earlier version of the lab file needed goes too.
remove_rules() {
  remove_chains iptables:nsgen-masquerade-out-pre iptables:nsgen-masquerade-out-post iptables:nsgen-masquerade-out-fwd iptables:nsgen-masquerade-out-out ip6tables:nsgen-masquerade-out-pre ip6tables:nsgen-masquerade-out-post ip6tables:nsgen-masquerade-out-fwd ip6tables:nsgen-masquerade-out-out
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
iptables nat PREROUTING nsgen-masquerade-out-pre
iptables nat POSTROUTING nsgen-masquerade-out-post
iptables filter FORWARD nsgen-masquerade-out-fwd
iptables nat OUTPUT nsgen-masquerade-out-out
ip6tables nat PREROUTING nsgen-masquerade-out-pre
ip6tables nat POSTROUTING nsgen-masquerade-out-post
ip6tables filter FORWARD nsgen-masquerade-out-fwd
ip6tables nat OUTPUT nsgen-masquerade-out-out
CHAINS
    )
    if [ -n "$changes" ]; then printf '%s\n' "$changes" | "$tool-restore" --noflush; fi
  done
}

# remove_ns_rules NS [TOOL...]: unhook and delete the lab's chains (nsgen-masquerade-out-*)
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
nat PREROUTING nsgen-masquerade-out-pre
nat OUTPUT nsgen-masquerade-out-out
nat POSTROUTING nsgen-masquerade-out-post
filter FORWARD nsgen-masquerade-out-fwd
filter INPUT nsgen-masquerade-out-in
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

# lab_objects: what the host has now, as keys: netns:NAME (labnetns:NAME too for one the lab's
# record says its setup created), link:NAME (altnames too), marked:NAME
# (any link with this lab's mark, even one the kernel is removing), bridge:NAME, veth:NAME or
# vxlan:NAME, and labbridge:NAME, labveth:NAME or labvxlan:NAME for one this lab's setup created: its record
# says so (`+`), or it carries the alias
# nsgen:masquerade-out (`ip -o` puts each of a link's detail lines after a backslash; the alias is one of them).
lab_objects() {
  local kind
  ip netns list | awk -v saved=/run/nsgen/labs/masquerade-out/record '
    BEGIN { while ((getline line < saved) > 0) { split(line, f, " "); if (f[2] == "netns") state[f[3]] = f[1] } }
    { print "netns:" $1; if (state[$1] == "+" || state[$1] == "?") print "labnetns:" $1 }'
  ip -o link show | awk -F': ' -v mark=nsgen:masquerade-out '{
    marked = 0
    n = split($0, detail, /\\/)
    for (i = 2; i <= n; i++) {
      sub(/^ +/, "", detail[i]); sub(/ +$/, "", detail[i])
      if (detail[i] ~ /^altname /) print "link:" substr(detail[i], 9)
      if (detail[i] == "alias " mark) marked = 1
    }
    sub(/@.*/, "", $2); print "link:" $2
    if (marked) print "marked:" $2
  }'
  for kind in bridge veth vxlan; do
    ip -o link show type "$kind" | awk -F': ' -v kind="$kind" -v mark=nsgen:masquerade-out -v saved=/run/nsgen/labs/masquerade-out/record '
    BEGIN { while ((getline line < saved) > 0) { split(line, f, " "); if (f[2] == "link" && f[3] == "-") state[f[4]] = f[1] } }
    {
      ours = 0
      n = split($0, detail, /\\/)
      for (i = 2; i <= n; i++) { sub(/^ +/, "", detail[i]); sub(/ +$/, "", detail[i]); if (detail[i] == "alias " mark) ours = 1 }
      sub(/@.*/, "", $2); print kind ":" $2
      if (ours || state[$2] == "+") print "lab" kind ":" $2
    }'
  done
}

# filter_batch FILE: read a batch whose lines may start with `+KEY ` (run only if KEY is missing)
# or `-KEY ` (run only if KEY is present); write the runnable batch to FILE, one line for each
# line read (skipped ones become comments, so `ip -batch` line numbers still match), the keys
# to create to FILE.keys and those to remove to FILE.gone. Stops if an interface exists with
# another kind than its key says, or (keys labveth:) exists without this lab's mark. A veth of
# this lab's whose peer namespace is about to be made was left by a namespace deleted by hand,
# and the kernel is still removing it: wait for that (FILE.wait), then it is made anew.
filter_batch() {
  local -a left
  lab_objects >"$1.have"
  awk -v keys="$1.keys" -v gone="$1.gone" -v wait="$1.wait" '
    NR == FNR { have[$0] = 1; next }
    /^# [^(]/ { where = substr($0, 3) }
    /^[+-]/ {
      sign = substr($1, 1, 1); key = substr($1, 2); rest = substr($0, length($1) + 2)
      kind = key; sub(/:.*/, "", kind); name = key; sub(/^[^:]*:/, "", name)
      if (sign == "+" && kind == "labveth" && ((key in have) || ("marked:" name) in have) && match(rest, / netns [^ ]+/) &&
          !(("netns:" substr(rest, RSTART + 7, RLENGTH - 7)) in have)) { leftover[key] = 1; print name > wait }
      if (key in leftover) {
        if (!(key in listed)) { listed[key] = 1; print key > keys }
        print rest; next
      }
      if (sign == "+" && !(key in have) && kind != "netns" && (("link:" name) in have)) {
        what = kind ~ /^lab/ ? "was not made by this lab (nsgen does not take over interfaces it did not create)" : "is not a " kind
        print "nsgen: failed at " where ": interface " name " already exists and " what > "/dev/stderr"
        exit 3
      }
      plain = substr(kind, 4) ":" name
      if (sign == "-" && kind ~ /^lab/ && !(key in have) && (plain in have))
        print "nsgen: " substr(kind, 4) " " name " was not created by this lab: left as it is" > "/dev/stderr"
      if (sign == "+" && kind == "netns" && (key in have) && !(("labnetns:" name) in have))
        print "nsgen: namespace " name " was there before this lab: using it; teardown will leave it" > "/dev/stderr"
      if ((sign == "+") == (key in have)) { print "# (skipped: " (sign == "+" ? "exists" : "absent") ") " rest; next }
      if (!(key in listed)) { listed[key] = 1; print key > (sign == "+" ? keys : gone) }
      print rest; next
    }
    { print }' "$1.have" - >"$1"
  touch "$1.keys" "$1.gone" "$1.wait"
  if [ -s "$1.wait" ]; then
    mapfile -t left <"$1.wait"
    if ! veths_gone "${left[@]}"; then
      echo "nsgen: veths ${left[*]} of a namespace deleted by hand are still there after 10 s" >&2
      return 1
    fi
  fi
}

# batch_failure FILE ERROR: the lab-file statement of the batch line that failed, for messages.
batch_failure() {
  local line where
  line=$(printf '%s\n' "$2" | sed -n 's/.*Command failed [^:]*:\([0-9][0-9]*\).*/\1/p' | head -n 1)
  where=$(head -n "${line:-1}" "$1" | grep '^# [^(]' | tail -n 1 || true)
  printf '%s (ip -batch %s line %s: %s)\n' "${where#\# }" "${1##*/}" "${line:-?}" "$(printf '%s' "$2" | head -n 1)"
}

# explain_failures: read ip's error output; for each `Command failed FILE:LINE` in it, say
# which lab-file statement failed (with the line before it, ip's message). Other lines
# (nsenter's, say) are shown as they are.
explain_failures() {
  local line at previous='' held=0
  while IFS= read -r line; do
    if [[ $line == "Command failed "*:* ]]; then
      at=${line#Command failed }
      echo "nsgen: failed at $(batch_failure "${at%:*}" "$previous"$'\n'"$line")" >&2
      held=0
    else
      if [ "$held" -eq 1 ]; then echo "nsgen: $previous" >&2; fi
      held=1
    fi
    previous=$line
  done
  if [ "$held" -eq 1 ]; then echo "nsgen: $previous" >&2; fi
}

# run_batch FILE: `ip -batch FILE` in the host; on failure, say which lab-file statement failed.
run_batch() {
  local err
  if ! err=$(ip -batch "$1" 2>&1 >/dev/null); then
    printf '%s\n' "$err" | explain_failures
    return 1
  fi
}

# undo_created FILE: put what filter_batch found missing (FILE) on the undo list and in the
# record (`?`: about to be created), before the batch runs, so that a failure part-way through
# is undone too; confirm_created records them as created once the batch has run.
undo_created() {
  local kind name
  batch_keys=()
  while IFS=: read -r kind name; do
    case $kind in
      netns) batch_keys+=("netns $name") && created_ns[$name]=1 ;;
      *) batch_keys+=("link - $name") ;;
    esac
  done <"$1"
  for key in "${batch_keys[@]}"; do
    undo+=("$key")
    record '?' "$key"
  done
}

# confirm_created: the host batch has run: what undo_created listed is now created.
confirm_created() {
  local key
  for key in "${batch_keys[@]}"; do record + "$key"; done
}

# ns_batches: stdin holds every namespace's batch, each after a line `@ NS`. Each batch is
# written to $tmp/ns/NS and run as one `ip -batch` inside NS, entered with nsenter (it only
# switches the network namespace, unlike `ip -n`, which also copies the mount table),
# 8 at a time (xargs -P). In a namespace this run did not create, routes
# already there are skipped (as in the default style): a different route in the way stops setup;
# the routes it adds there go on the undo list first. If a batch fails, say which lab-file
# statement failed, and fail.
ns_batches() {
  local ns status=0
  mkdir "$tmp/ns"
  awk -v dir="$tmp/ns" '
    /^@ / { if (file) close(file); file = dir "/" $2; print $2; next }
    { print > file }' >"$tmp/ns.list"
  local unread=0 key waited=0
  local -a kept=() pids=()
  while read -r ns; do
    if [ -z "${created_ns[$ns]-}" ]; then
      kept+=("$tmp/ns/$ns")
      keep_routes "$ns" "$tmp/ns/$ns" &
      pids+=("$!")
      if [ "${#pids[@]}" -ge $((waited + 8)) ]; then # by pid: bash 5.2 wait for any job can miss one that already ended
        wait "${pids[waited]}" || unread=1
        waited=$((waited + 1))
      fi
    fi
  done <"$tmp/ns.list"
  for ((; waited < ${#pids[@]}; waited++)); do
    wait "${pids[waited]}" || unread=1
  done
  if [ "$unread" -ne 0 ]; then
    echo "nsgen: could not read the routes of a namespace this run did not create (see above)" >&2
    return 1
  fi
  if [ "${#kept[@]}" -gt 0 ]; then # a rollback removes the routes it adds there (its own namespaces go whole)
    while IFS= read -r key; do
      if [[ $key == "route "* ]]; then
        undo+=("$key")
        record '?' "$key"
      fi
    done < <(batch_keys "${kept[@]}")
  fi
  xargs -d '\n' -P 8 -I{} nsenter --net=/run/netns/{} ip -batch "$tmp/ns/{}" \
    <"$tmp/ns.list" >/dev/null 2>"$tmp/ns.err" || status=$?
  if [ "$status" -ne 0 ]; then
    explain_failures <"$tmp/ns.err"
    return 1
  fi
}

# keep_routes NS FILE: in NS's batch FILE, turn `route add R` into a comment if NS has
# route R already (the same destination, gateway and metric, and device when R names one), and
# (NS not made by this lab) the lines only for a namespace it created.
# Runs in the background, several namespaces at a time.
keep_routes() {
  trap - ERR INT TERM EXIT # a background job: failing here must not run the rollback
  local i route key dev
  local -a lines words
  local -A present=()
  while read -ra words; do
    route_key "${words[@]}"
    present["$key"]=1 present["$key $dev"]=1
  done < <(nsenter --net="/run/netns/$1" ip route show && nsenter --net="/run/netns/$1" ip -6 route show)
  mapfile -t lines <"$2"
  for i in "${!lines[@]}"; do
    if ((i > 0)) && [ "${lines[i - 1]}" = '# (next line: only in a namespace this lab created)' ] && ! lab_owns "netns $1"; then
      lines[i]="# (skipped: namespace $1 was there before) ${lines[i]}"
    elif [[ ${lines[i]} == "route add "* ]]; then
      route=${lines[i]#route add }
      read -ra words <<<"$route"
      route_key "${words[@]}"
      if [ -n "${present[$key${dev:+ $dev}]-}" ]; then
        lines[i]="# (skipped: exists) route $route"
      fi
    fi
  done
  printf '%s\n' "${lines[@]}" >"$2"
}
# route_key DESTINATION WORD...: set key to `DESTINATION GATEWAY METRIC` (a /32 or /128 written as
# `ip route show` prints it, no gateway as -, no metric as 0, or 1024 for IPv6: the kernel's) and dev
# to the route's device, if named.
route_key() {
  local j gateway=- metric=0
  local -a w=("$@")
  if [[ $* == *:* ]]; then metric=1024; fi
  dev=''
  for ((j = 1; j + 1 < ${#w[@]}; j++)); do
    case ${w[j]} in
      via) gateway=${w[j + 1]} ;;
      dev) dev=${w[j + 1]} ;;
      metric) metric=${w[j + 1]} ;;
    esac
  done
  local destination=${w[0]%/32}
  key="${destination%/128} $gateway $metric"
}

# batch_keys FILE...: the record keys of the lines these namespace batches will run (each line
# after a `# (record: KEY)` comment that keep_routes did not turn into a comment).
batch_keys() {
  awk '
    /^# \(record: / { key = substr($0, 12, length($0) - 12); next }
    !/^#/ && key != "" { print key }
    { key = "" }' "$@"
}

# record_batch: the routes and addresses the namespace batches added (keep_routes left out the
# routes already there) go in the lab's record, for teardown (in a namespace that was there
# before) and for a later setup of an edited lab, one awk for all namespaces.
record_batch() {
  local ns key
  local -a files=()
  while read -r ns; do files+=("$tmp/ns/$ns"); done <"$tmp/ns.list"
  while IFS= read -r key; do record + "$key"; done < <(batch_keys "${files[@]}")
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
