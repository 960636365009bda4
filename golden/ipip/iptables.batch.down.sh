#!/usr/bin/env bash
# Teardown of nsgen lab 'ipip', compiled from ipip.ns (target iptables, batch style).
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
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT

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

  # The host's veth ends whose peers were in those namespaces go with them: the kernel removes
  # them in the background, all at once (far faster than one by one). Wait for that; one still
  # there (a process inside keeps its namespace alive) is deleted below.
  veths_gone veth-far-host:far eth1:site2 || true

  # ipip.ns:13  ipip far:ip7 remote 172.31.0.1 local 172.31.0.2 ip 10.6.1.2/30
  if lab_made 'link far ip7' && link_is far ip7 ipip; then
    ip -n far link del dev ip7 || link_gone far ip7 # gone meanwhile is fine
  fi

  # ipip.ns:9  ipip site2:ip1 remote 172.30.0.1 local 172.30.0.2 ip 10.6.0.2/30 mtu 1480
  if lab_made 'link site2 ip1' && link_is site2 ip1 ipip; then
    ip -n site2 link del dev ip1 || link_gone site2 ip1 # gone meanwhile is fine
  fi

  # ipip.ns:8  ipip site1:ip1 remote 172.30.0.2 local 172.30.0.1 dev eth1 ip 10.6.0.1/30
  if lab_made 'link site1 ip1' && link_is site1 ip1 ipip; then
    ip -n site1 link del dev ip1 || link_gone site1 ip1 # gone meanwhile is fine
  fi

  # ipip.ns:7  veth site1:eth1<->site2:eth1 ip 172.30.0.1/24, 172.30.0.2/24
  if lab_made 'link site1 eth1' && link_is site1 eth1 veth; then
    ip -n site1 link del dev eth1 || link_gone site1 eth1 # gone meanwhile is fine
  fi

  # --- namespaces, in one `ip -batch`. A line `-KEY command` runs only if KEY is present (and
  # of that kind), so running this twice is harmless. Deleting a namespace removes its
  # interfaces (and their veth peers) and routes.
  filter_batch "$tmp/namespaces" <<'BATCH'
# ipip.ns:10  ns far
-labnetns:far netns del far
# ipip.ns:6  ns site2
-labnetns:site2 netns del site2
# ipip.ns:5  ns site1
-labnetns:site1 netns del site1
BATCH
  run_removals "$tmp/namespaces"

  # The host's veth ends whose peers were in those namespaces go with them, in the background,
  # all at once. Wait for that; one still there is deleted below.
  veths_gone veth-far-host:far eth1:site2 || true

  # --- the host's veth ends still there (deleting one end deletes its peer), then the bridges
  # (only those this lab's setup created: `labveth:`, `labbridge:` carry its mark), in one `ip -batch`
  filter_batch "$tmp/host" <<'BATCH'
# ipip.ns:12  ipip ip7 remote 172.31.0.2 ttl 64 ip 10.6.1.1/30
-labipip:ip7 link del dev ip7
# ipip.ns:11  veth far<->host ip 172.31.0.2/24, 172.31.0.1/24
-labveth:veth-far-host link del dev veth-far-host
BATCH
  run_removals "$tmp/host"
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

# lab_objects: what the host has now, as keys: netns:NAME (labnetns:NAME too for one the lab's
# record says its setup created), link:NAME (altnames too), marked:NAME
# (any link with this lab's mark, even one the kernel is removing), bridge:NAME, veth:NAME or
# vxlan:NAME, and labbridge:NAME, labveth:NAME or labvxlan:NAME for one this lab's setup created: its record
# says so (`+`), or it carries the alias
# nsgen:ipip (`ip -o` puts each of a link's detail lines after a backslash; the alias is one of them).
lab_objects() {
  local kind
  ip netns list | awk -v saved=/run/nsgen/labs/ipip/record '
    BEGIN { while ((getline line < saved) > 0) { split(line, f, " "); if (f[2] == "netns") state[f[3]] = f[1] } }
    { print "netns:" $1; if (state[$1] == "+" || state[$1] == "?") print "labnetns:" $1 }'
  ip -o link show | awk -F': ' -v mark=nsgen:ipip '{
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
  for kind in bridge veth vxlan ipip; do
    ip -o link show type "$kind" | awk -F': ' -v kind="$kind" -v mark=nsgen:ipip -v saved=/run/nsgen/labs/ipip/record '
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

main "$@"
