#!/usr/bin/env bash
# Setup of nsgen lab 'router', compiled from router.ns (target iptables, default style).
# Creates namespaces red, r1, blue; veth pairs veth-red/veth-r1, a/type; routes in red to default,
# default; in blue to 10.0.1.0/24, 10.255.0.1/32, default.
# Run it as root. Running it again changes nothing. If a step fails, it names the lab-file line,
# removes what this run created and exits non-zero. Undo: nsgen down router.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=router
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

step='router.ns:3  ns red'
if ! netns_exists red; then
  ip netns add red
  undo_push netns '' red
fi
ip -n red link set dev lo up

step='router.ns:4  ns r1'
if ! netns_exists r1; then
  ip netns add r1
  undo_push netns '' r1
fi
ip -n r1 link set dev lo up

step='router.ns:5  ns blue'
if ! netns_exists blue; then
  ip netns add blue
  undo_push netns '' blue
fi
ip -n blue link set dev lo up

step='router.ns:6  veth red<->r1 ip 10.0.1.2/24, 10.0.1.1/24 mac 02:00:00:00:01:02, 02:00:00:00:01:01'
if created ip -n red link add name veth-red type veth peer name veth-r1 netns r1; then
  undo_push link red veth-red
else
  have_link red veth-red veth
fi
ip -n red -batch - <<'IP'
link set dev veth-red addrgenmode none
link set dev veth-red address 02:00:00:00:01:02
link set dev veth-red up
addr replace 10.0.1.2/24 dev veth-red
IP
ip -n r1 -batch - <<'IP'
link set dev veth-r1 addrgenmode none
link set dev veth-r1 address 02:00:00:00:01:01
link set dev veth-r1 up
addr replace 10.0.1.1/24 dev veth-r1
IP

step='router.ns:7  veth r1:a<->blue:type ip 10.0.2.1/24, 10.0.2.2/24 mtu 1400'
if created ip -n r1 link add name a mtu 1400 type veth peer name type netns blue; then
  undo_push link r1 a
else
  have_link r1 a veth
  ip -n r1 link set dev a mtu 1400
fi
ip -n r1 -batch - <<'IP'
link set dev a addrgenmode none
link set dev a mtu 1400 up
addr replace 10.0.2.1/24 dev a
IP
ip -n blue -batch - <<'IP'
link set dev type addrgenmode none
link set dev type mtu 1400 up
addr replace 10.0.2.2/24 dev type
IP

step='router.ns:10  address r1:lo 10.255.0.1/32'
ip -n r1 addr replace 10.255.0.1/32 dev lo

step='router.ns:11  address r1:lo 10.255.1.1/32'
ip -n r1 addr replace 10.255.1.1/32 dev lo

step='router.ns:12  address r1:a 169.254.1.1/32'
ip -n r1 addr replace 169.254.1.1/32 dev a

step='router.ns:13  route red default via 10.0.1.1 metric 100'
if created ip -n red route add default via 10.0.1.1 metric 100; then
  undo_push route red default 'via 10.0.1.1 metric 100'
else
  have_route red default via 10.0.1.1 metric 100
fi

step='router.ns:14  route red default via 10.0.1.9 metric 200'
if created ip -n red route add default via 10.0.1.9 metric 200; then
  undo_push route red default 'via 10.0.1.9 metric 200'
else
  have_route red default via 10.0.1.9 metric 200
fi

step='router.ns:15  route blue 10.0.1.0/24 via 10.0.2.1 dev type'
if created ip -n blue route add 10.0.1.0/24 via 10.0.2.1 dev type; then
  undo_push route blue 10.0.1.0/24 'via 10.0.2.1 dev type metric 0'
else
  have_route blue 10.0.1.0/24 via 10.0.2.1 dev type metric 0
fi

step='router.ns:16  route blue 10.255.0.1 dev type'
if created ip -n blue route add 10.255.0.1/32 dev type; then
  undo_push route blue 10.255.0.1/32 'dev type metric 0'
else
  have_route blue 10.255.0.1/32 dev type metric 0
fi

step='router.ns:17  route blue default via 169.254.1.1 dev type onlink'
if created ip -n blue route add default via 169.254.1.1 dev type onlink; then
  undo_push route blue default 'via 169.254.1.1 dev type metric 0'
else
  have_route blue default via 169.254.1.1 dev type metric 0
fi

step='router.ns:8  router r1'
ip netns exec r1 sysctl -qw net.ipv4.ip_forward=1

step='router.ns:9  sysctl r1 net.ipv4.conf.all.rp_filter=0'
ip netns exec r1 sysctl -qw net.ipv4.conf.all.rp_filter=0
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
  need_tool sysctl
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

# created CMD...: run CMD, which creates an interface or a route; true if it did. False if it
# failed with "File exists" (the caller then checks what is there); any other failure stops
# the setup with CMD's message. Trying first costs one process where checking first costs two;
# its messages go through a file, not $(...), which would cost another.
created() {
  local status=0
  LC_ALL=C "$@" 2>"$tmp/err" >/dev/null || status=$?
  if [ "$status" -eq 0 ]; then return 0; fi
  in_the_way=''
  IFS= read -r -d '' in_the_way <"$tmp/err" || true
  if [[ $in_the_way == *"File exists"* ]]; then return 1; fi
  printf '%s\n' "$in_the_way" >&2
  on_error "$status"
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
  echo "nsgen: ${1:-the host} already has another route to $2: $(ip "${in_ns[@]}" route show exact "$2" | head -n 1)" >&2
  on_error 1
}

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

# has_route NS DESTINATION [via GATEWAY] [dev IFNAME] metric N: true if NS ('' is the host) has
# that very route (its metric included: another route to DESTINATION does not count).
has_route() {
  local -a in_ns=()
  if [ -n "$1" ]; then in_ns=(-n "$1"); fi
  [ -n "$(ip "${in_ns[@]}" route show exact "${@:2}" 2>/dev/null)" ]
}

main "$@"
