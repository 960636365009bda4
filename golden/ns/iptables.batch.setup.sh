#!/usr/bin/env bash
# Setup of nsgen lab 'ns', compiled from ns.ns (target iptables, batch style).
# Creates namespace red.
# Run it as root. Running it again changes nothing. If a step fails, it names the lab-file line,
# removes what this run created and exits non-zero. Undo: nsgen down ns.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=ns
step='preflight' # the lab-file statement being applied, for messages
undo=()          # what this run created, for rollback (see undo_push)
declare -A created_ns=() # namespaces this run creates (see undo_created)

main() {
  preflight
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  trap 'on_error "$?"' ERR
  trap 'on_error 130' INT TERM

  # --- the host's steps in one `ip -batch`. A line `+KEY command` runs only if KEY (netns:,
  # bridge: or labveth: and a name) is missing, so a second run creates nothing; the other lines
  # are safe to repeat. A veth's host end is made with its peer already in its namespace.
  step='host batch'
  filter_batch "$tmp/host" <<'BATCH'
# ns.ns:2  ns red
+netns:red netns add red
BATCH
  undo_created "$tmp/host.keys"
  run_batch "$tmp/host"

  # --- each namespace's steps in one `ip -batch` run inside it, 8 namespaces at a time
  step='namespace batches'
  ns_batches <<'BATCH'
@ red
# ns.ns:2  ns red
link set dev lo up
BATCH

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
  need_tool awk
  need_tool xargs
  need_tool nsenter
}

# need_tool NAME: stop unless the command NAME is installed.
need_tool() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "nsgen: '$1' is not installed; it is needed for lab '$lab'" >&2
    exit 1
  fi
}

# undo_push KIND NS NAME [EXTRA]: remember something this run created, for rollback (newest
# last; NS '' is the host).
undo_push() { undo+=("$1" "$2" "$3" "${4-}"); }

# rollback: undo this run's changes, newest first, ignoring errors (best effort).
rollback() {
  local i kind name extra
  local -a in_ns route
  for ((i = ${#undo[@]} - 4; i >= 0; i -= 4)); do
    kind=${undo[i]} name=${undo[i + 2]} extra=${undo[i + 3]}
    in_ns=()
    if [ -n "${undo[i + 1]}" ]; then in_ns=(-n "${undo[i + 1]}"); fi
    case $kind in
      netns) ip netns del "$name" ;;
      link) ip "${in_ns[@]}" link del dev "$name" ;;
      route) read -ra route <<<"$extra" && ip "${in_ns[@]}" route del "$name" "${route[@]}" ;; # extra: via GW dev IF metric N
    esac
  done 2>/dev/null
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

# veths_gone NAME...: wait (polling, at most 10 s) until the host has none of these veths; false
# if one is still there then.
veths_gone() {
  local tries
  for ((tries = 0; tries < 200; tries++)); do
    if [ "$(ip -o link show type veth | awk -F': ' -v names=" $* " '
      { sub(/@.*/, "", $2); if (index(names, " " $2 " ")) left++ }
      END { print left + 0 }')" -eq 0 ]; then
      return 0
    fi
    sleep 0.05
  done
  return 1
}

# lab_objects: what the host has now, as keys: netns:NAME, link:NAME (altnames too), marked:NAME
# (any link with this lab's mark, even one the kernel is removing), bridge:NAME or veth:NAME,
# and labbridge:NAME or labveth:NAME for one this lab's setup created: it carries the alias
# nsgen:ns (`ip -o` puts each of a link's detail lines after a backslash; the alias is one of them).
lab_objects() {
  local kind
  ip netns list | awk '{ print "netns:" $1 }'
  ip -o link show | awk -F': ' -v mark=nsgen:ns '{
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
  for kind in bridge veth; do
    ip -o link show type "$kind" | awk -F': ' -v kind="$kind" -v mark=nsgen:ns '{
      ours = 0
      n = split($0, detail, /\\/)
      for (i = 2; i <= n; i++) { sub(/^ +/, "", detail[i]); sub(/ +$/, "", detail[i]); if (detail[i] == "alias " mark) ours = 1 }
      sub(/@.*/, "", $2); print kind ":" $2
      if (ours) print "lab" kind ":" $2
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

# undo_created FILE: put what filter_batch found missing (FILE) on the undo list, before the
# batch runs, so that a failure part-way through is undone too.
undo_created() {
  local kind name
  while IFS=: read -r kind name; do
    case $kind in
      netns) undo_push netns '' "$name" && created_ns[$name]=1 ;;
      *) undo_push link '' "$name" ;;
    esac
  done <"$1"
}

# ns_batches: stdin holds every namespace's batch, each after a line `@ NS`. Each batch is
# written to $tmp/ns/NS and run as one `ip -batch` inside NS, entered with nsenter (it only
# switches the network namespace, unlike `ip -n`, which also copies the mount table),
# 8 at a time (xargs -P). In a namespace this run did not create, routes
# already there are skipped (as in the default style): a different route in the way stops setup. If a batch fails, say which lab-file statement
# failed, and fail.
ns_batches() {
  local ns status=0
  mkdir "$tmp/ns"
  awk -v dir="$tmp/ns" '
    /^@ / { if (file) close(file); file = dir "/" $2; print $2; next }
    { print > file }' >"$tmp/ns.list"
  local running=0 unread=0
  while read -r ns; do
    if [ -z "${created_ns[$ns]-}" ]; then
      keep_routes "$ns" "$tmp/ns/$ns" &
      running=$((running + 1))
      if [ "$running" -ge 8 ]; then
        wait -n || unread=1
        running=$((running - 1))
      fi
    fi
  done <"$tmp/ns.list"
  for ((; running > 0; running--)); do
    wait -n || unread=1
  done
  if [ "$unread" -ne 0 ]; then
    echo "nsgen: could not read the routes of a namespace this run did not create (see above)" >&2
    return 1
  fi
  xargs -d '\n' -P 8 -I{} nsenter --net=/run/netns/{} ip -batch "$tmp/ns/{}" \
    <"$tmp/ns.list" >/dev/null 2>"$tmp/ns.err" || status=$?
  if [ "$status" -ne 0 ]; then
    explain_failures <"$tmp/ns.err"
    return 1
  fi
}

# keep_routes NS FILE: in NS's batch FILE, turn `route add R` into a comment if NS has
# route R already (the same destination, gateway and metric, and device when R names one).
# Runs in the background, several namespaces at a time.
keep_routes() {
  trap - ERR INT TERM EXIT # a background job: failing here must not run the rollback
  local i route key dev
  local -a lines words
  local -A present=()
  while read -ra words; do
    route_key "${words[@]}"
    present["$key"]=1 present["$key $dev"]=1
  done < <(nsenter --net="/run/netns/$1" ip route show)
  mapfile -t lines <"$2"
  for i in "${!lines[@]}"; do
    if [[ ${lines[i]} == "route add "* ]]; then
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
# route_key DESTINATION WORD...: set key to `DESTINATION GATEWAY METRIC` (a /32 written as `ip
# route show` prints it, no gateway as -, no metric as 0) and dev to the route's device, if named.
route_key() {
  local j gateway=- metric=0
  local -a w=("$@")
  dev=''
  for ((j = 1; j + 1 < ${#w[@]}; j++)); do
    case ${w[j]} in
      via) gateway=${w[j + 1]} ;;
      dev) dev=${w[j + 1]} ;;
      metric) metric=${w[j + 1]} ;;
    esac
  done
  key="${w[0]%/32} $gateway $metric"
}

main "$@"
