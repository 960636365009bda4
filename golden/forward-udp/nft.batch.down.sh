#!/usr/bin/env bash
# Teardown of nsgen lab 'forward-udp', compiled from forward-udp.ns (target nft, batch style).
# Removes what the setup script creates (1 namespace, 1 bridge, 1 veth pair, 1 route; firewall rules in nft table ip nsgen-forward-udp), in reverse order,
# and restores net.ipv4.ip_forward. Running it again is harmless.
set -euo pipefail
set -o errtrace # the ERR trap below fires inside functions too

lab=forward-udp

# --- preflight: root, and the tools this script calls
if [ "$(id -u)" -ne 0 ]; then
  echo "nsgen: lab '$lab' teardown must run as root" >&2
  exit 1
fi
need_tool() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "nsgen: '$1' is not installed; it is needed for lab '$lab'" >&2
    exit 1
  fi
}
need_tool ip
need_tool nft
need_tool awk

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

# link_is NS NAME KIND: true if NS ('' is the host) has an interface NAME of kind KIND.
link_is() {
  local -a in_ns=()
  if [ -n "$1" ]; then in_ns=(-n "$1"); fi
  [ -n "$(ip "${in_ns[@]}" -o link show dev "$2" type "$3" 2>/dev/null)" ]
}

# has_route NS DESTINATION GATEWAY: true if NS ('' is the host) has that route.
has_route() {
  local -a in_ns=()
  if [ -n "$1" ]; then in_ns=(-n "$1"); fi
  [ -n "$(ip "${in_ns[@]}" route show exact "$2" via "$3" 2>/dev/null)" ]
}

# --- batch helpers: few processes instead of one per step (see docs/performance.md)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# lab_objects: what the host has now, as keys: netns:NAME, link:NAME, bridge:NAME or veth:NAME,
# and labbridge:NAME for a bridge this lab's setup created (it carries the alias nsgen:LAB).
lab_objects() {
  ip netns list | awk '{ print "netns:" $1 }'
  ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print "link:" $2 }'
  ip -o link show type bridge | awk -F': ' -v tag="alias nsgen:$lab" '{
    ours = substr($0, length($0) - length(tag) + 1) == tag
    sub(/@.*/, "", $2); print "bridge:" $2
    if (ours) print "labbridge:" $2
  }'
  ip -o link show type veth | awk -F': ' '{ sub(/@.*/, "", $2); print "veth:" $2 }'
}

# filter_batch FILE: read a batch whose lines may start with `+KEY ` (run only if KEY is missing)
# or `-KEY ` (run only if KEY is present); write the runnable batch to FILE, one line for each
# line read (skipped ones become comments, so `ip -batch` line numbers still match), the keys
# to create to FILE.keys and those to remove to FILE.gone. Stops if an interface exists with
# another kind than its key says.
filter_batch() {
  lab_objects >"$1.have"
  awk -v keys="$1.keys" -v gone="$1.gone" '
    NR == FNR { have[$0] = 1; next }
    /^# [^(]/ { where = substr($0, 3) }
    /^[+-]/ {
      sign = substr($1, 1, 1); key = substr($1, 2); rest = substr($0, length($1) + 2)
      kind = key; sub(/:.*/, "", kind); name = key; sub(/^[^:]*:/, "", name)
      if (sign == "+" && !(key in have) && kind != "netns" && (("link:" name) in have)) {
        print "nsgen: failed at " where ": interface " name " already exists and is not a " kind > "/dev/stderr"
        exit 3
      }
      if ((sign == "+") == (key in have)) { print "# (skipped: " (sign == "+" ? "exists" : "absent") ") " rest; next }
      if (!(key in listed)) { listed[key] = 1; print key > (sign == "+" ? keys : gone) }
      print rest; next
    }
    { print }' "$1.have" - >"$1"
  touch "$1.keys" "$1.gone"
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

# remove_rules: delete the lab's nft table, ip nsgen-forward-udp, if present.
remove_rules() {
  if nft list table ip nsgen-forward-udp >/dev/null 2>&1; then
    nft delete table ip nsgen-forward-udp
  fi
}

# --- firewall: remove the lab's rules
# forward-udp.ns:6  forward udp 5353 -> 172.21.0.53:53 in eth0
remove_rules

# --- namespaces, in one `ip -batch`. A line `-KEY command` runs only if KEY is present (and
# of that kind), so running this twice is harmless. Deleting a namespace removes its
# interfaces (and their veth peers) and routes.
filter_batch "$tmp/namespaces" <<'BATCH'
# forward-udp.ns:2  ns dns
-netns:dns netns del dns
BATCH
run_removals "$tmp/namespaces"

# --- veth ends in the host whose peers were in those namespaces: the kernel removes them with
# their namespaces, in the background and all in one go (far faster than one by one). Wait for
# that (polling, at most 10 s); one still there (a process inside keeps its namespace alive) is
# deleted below.
veths_left() {
  ip -o link show type veth | awk -F': ' -v names=" $* " '
    { sub(/@.*/, "", $2); if (index(names, " " $2 " ")) left++ }
    END { print left + 0 }'
}
for ((tries = 0; tries < 200; tries++)); do
  if [ "$(veths_left veth-dns-br)" -eq 0 ]; then break; fi
  sleep 0.05
done

# --- veth ends in the host still there (deleting one end deletes its peer), then bridges,
# in one `ip -batch`
filter_batch "$tmp/host" <<'BATCH'
# forward-udp.ns:4  veth dns<->br0 ip 172.21.0.53/24
-veth:veth-dns-br link del veth-dns-br
# forward-udp.ns:3  bridge br0 ip 172.21.0.1/24
-labbridge:br0 link del br0
BATCH
run_removals "$tmp/host"

# --- forwarding: restore net.ipv4.ip_forward as it was before the first setup
if [ -e /run/nsgen/forward-udp/ip_forward ]; then
  cat /run/nsgen/forward-udp/ip_forward >/proc/sys/net/ipv4/ip_forward
  rm -f /run/nsgen/forward-udp/ip_forward
  rmdir /run/nsgen/forward-udp /run/nsgen 2>/dev/null || true
fi

echo "nsgen: lab '$lab' is down" >&2
