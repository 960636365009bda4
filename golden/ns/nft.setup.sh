#!/usr/bin/env bash
# Setup of nsgen lab 'ns', compiled from ns.ns (target nft, default style).
# Creates namespace red.
# Run it as root. Running it again changes nothing. If a step fails, it names the lab-file line,
# removes what this run created and exits non-zero. Undo: nsgen down -t nft ns.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=ns
step='preflight' # the lab-file statement being applied, for messages
undo=()          # what this run created, for rollback (see undo_push)

main() {
  preflight
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  trap 'on_error "$?"' ERR
  trap 'on_error 130' INT TERM
  # The lab's steps. Bash reads and runs them one after another from this here-document: kept
  # as one function body, a big lab's steps would make every command bash starts slower to start.
  # shellcheck source=/dev/null
  source /dev/fd/3 3<<'STEPS'

step='ns.ns:2  ns red'
if ! netns_exists red; then
  ip netns add red
  undo_push netns '' red
fi
ip -n red link set dev lo up
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

# netns_exists NAME: true if the network namespace NAME exists (`ip netns add` makes /run/netns/NAME).
netns_exists() {
  [ -e "/run/netns/$1" ]
}

main "$@"
