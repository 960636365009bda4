#!/usr/bin/env bash
# Teardown of nsgen lab 'macvlan-host', compiled from macvlan-host.ns (target iptables, batch style).
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
  if [ ${#owned[@]} -gt 0 ]; then
    # What an earlier setup of this lab created and this lab file no longer has (it was edited since)
    # is removed first; what it has, below.
    converge <<'KEYS'
netns red
link red mv0
addr red mv0 192.168.1.50/24
route red default via 192.168.1.1 metric 0
KEYS
  fi
  tmp=$(mktemp -d "${TMPDIR:-/run}/nsgen.XXXXXX") # /run: a tmpfs on most hosts, faster for many small files than a disk
  trap 'rm -rf "$tmp"' EXIT

  # macvlan-host.ns:5  route red default via 192.168.1.1
  if lab_made 'route red default via 192.168.1.1 metric 0' && has_route red default via 192.168.1.1 metric 0; then
    ip -n red route del default via 192.168.1.1
  fi

  # macvlan-host.ns:4  macvlan red:mv0 on eth0 mode vepa ip 192.168.1.50/24 mtu 1400
  if lab_made 'addr red mv0 192.168.1.50/24'; then
    ip -n red addr del 192.168.1.50/24 dev mv0 2>/dev/null || true # gone meanwhile is fine
  fi
  if lab_made 'link red mv0' && link_is red mv0 macvlan; then
    ip -n red link del dev mv0 || link_gone red mv0 # gone meanwhile is fine
  fi

  # --- namespaces, in one `ip -batch`. A line `-KEY command` runs only if KEY is present (and
  # of that kind), so running this twice is harmless. Deleting a namespace removes its
  # interfaces (and their veth peers) and routes.
  filter_batch "$tmp/namespaces" <<'BATCH'
# macvlan-host.ns:3  ns red
-labnetns:red netns del red
BATCH
  run_removals "$tmp/namespaces"
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
  rm -f /run/nsgen/labs/macvlan-host/record /run/nsgen/labs/macvlan-host/source /run/nsgen/labs/macvlan-host/lock
  rmdir /run/nsgen/labs/macvlan-host /run/nsgen/labs /run/nsgen 2>/dev/null || true
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
    - /run/nsgen/labs/macvlan-host/record)
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
        run) stop_process /run/nsgen/labs/macvlan-host/run/"$name.pid" /run/nsgen/labs/macvlan-host/run/"$name.log" ;;
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

# record STATE KEY: add a line to the lab's record, /run/nsgen/labs/macvlan-host/record: `? KEY` just
# before this run tries to create KEY, `+ KEY` once it has, `- KEY` once it undid it. KEY is
# `netns NAME`, `link NS NAME` (NS `-`: the host), `route NS DESTINATION [via GW] [dev IF] metric N`,
# `addr NS IFNAME ADDRESS`, `rules`, `nsrules NS` or `sysctl KEY` (templates/steps/words.j2, record_key).
# Teardown deletes only what the record says this lab created (`+`; for a namespace `?` too).
record() {
  printf '%s %s\n' "$1" "$2" >>/run/nsgen/labs/macvlan-host/record
  owned[$2]=$1
}

# netns_exists NAME: true if the network namespace NAME exists (`ip netns add` makes /run/netns/NAME).
netns_exists() {
  [ -e "/run/netns/$1" ]
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
  rm -f "$dir"/macvlan-host
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

# remove_rules: unhook and delete the lab's chains (nsgen-macvlan-host-*, in iptables
# and ip6tables), if present: every chain a setup of this lab may have made, so that one an
# earlier version of the lab file needed goes too.
remove_rules() {
  remove_chains iptables:nsgen-macvlan-host-pre iptables:nsgen-macvlan-host-post iptables:nsgen-macvlan-host-fwd iptables:nsgen-macvlan-host-out ip6tables:nsgen-macvlan-host-pre ip6tables:nsgen-macvlan-host-post ip6tables:nsgen-macvlan-host-fwd ip6tables:nsgen-macvlan-host-out
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
iptables nat PREROUTING nsgen-macvlan-host-pre
iptables nat POSTROUTING nsgen-macvlan-host-post
iptables filter FORWARD nsgen-macvlan-host-fwd
iptables nat OUTPUT nsgen-macvlan-host-out
ip6tables nat PREROUTING nsgen-macvlan-host-pre
ip6tables nat POSTROUTING nsgen-macvlan-host-post
ip6tables filter FORWARD nsgen-macvlan-host-fwd
ip6tables nat OUTPUT nsgen-macvlan-host-out
CHAINS
    )
    if [ -n "$changes" ]; then printf '%s\n' "$changes" | "$tool-restore" --noflush; fi
  done
}

# remove_ns_rules NS [TOOL...]: unhook and delete the lab's chains (nsgen-macvlan-host-*)
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
nat PREROUTING nsgen-macvlan-host-pre
nat OUTPUT nsgen-macvlan-host-out
nat POSTROUTING nsgen-macvlan-host-post
filter FORWARD nsgen-macvlan-host-fwd
filter INPUT nsgen-macvlan-host-in
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
# nsgen:macvlan-host (`ip -o` puts each of a link's detail lines after a backslash; the alias is one of them).
lab_objects() {
  local kind
  ip netns list | awk -v saved=/run/nsgen/labs/macvlan-host/record '
    BEGIN { while ((getline line < saved) > 0) { split(line, f, " "); if (f[2] == "netns") state[f[3]] = f[1] } }
    { print "netns:" $1; if (state[$1] == "+" || state[$1] == "?") print "labnetns:" $1 }'
  ip -o link show | awk -F': ' -v mark=nsgen:macvlan-host '{
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
    ip -o link show type "$kind" | awk -F': ' -v kind="$kind" -v mark=nsgen:macvlan-host -v saved=/run/nsgen/labs/macvlan-host/record '
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

# run_removals FILE: `ip -force -batch FILE` (deletions), judged by the result: a line whose
# object went away meanwhile (the kernel removes a namespace's veths in the background) fails
# harmlessly; fail only if something FILE was to remove is still there.
run_removals() {
  local err left
  err=$(ip -force -batch "$1" 2>&1 >/dev/null) || true
  left=$(lab_objects | awk 'NR == FNR { have[$0] = 1; next }
    ($0 in have) { sub(/^[^:]*:/, ""); printf "%s%s", sep, $0; sep = " " }' - "$1.gone")
  if [ -n "$left" ]; then
    echo "nsgen: lab '$lab' teardown could not remove: $left" >&2
    if [ -n "$err" ]; then printf '%s\n' "$err" | explain_failures; fi
    return 1
  fi
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
