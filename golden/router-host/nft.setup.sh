#!/usr/bin/env bash
# Setup of nsgen lab 'router-host', compiled from router-host.ns (target nft, default style).
# Creates namespaces red, blue; veth pairs veth-red-host/veth-red, veth-blue-host/veth-blue; routes in
# red to default; in blue to default; in the host to 10.0.9.1/32; net.ipv4.ip_forward=1;
# net.ipv4.conf.all.rp_filter=2.
# Run it as root. Running it again changes nothing. If a step fails, it names the lab-file line,
# removes what this run created and exits non-zero. Undo: nsgen down -t nft router-host.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=router-host
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

step='router-host.ns:3  ns red'
if ! netns_exists red; then
  ip netns add red
  undo_push netns '' red
fi
ip -n red link set dev lo up

step='router-host.ns:4  ns blue'
if ! netns_exists blue; then
  ip netns add blue
  undo_push netns '' blue
fi
ip -n blue link set dev lo up

step='router-host.ns:5  veth red<->host ip 10.0.1.2/24, 10.0.1.1/24'
# (if red is new, a marked veth-red-host still here is being removed with a namespace deleted by hand: wait, then create)
if created ip link add name veth-red-host up type veth peer name veth-red netns red || { { has_mark veth-red-host || link_gone '' veth-red-host; } && made_now red &&
  veths_gone veth-red-host && created ip link add name veth-red-host up type veth peer name veth-red netns red; }; then
  undo_push link '' veth-red-host
else
  have_own_link veth-red-host veth
  ip link set dev veth-red-host up
fi
ip addr replace 10.0.1.1/24 dev veth-red-host
ip -n red -batch - <<'IP'
link set dev veth-red addrgenmode none
link set dev veth-red up
addr replace 10.0.1.2/24 dev veth-red
IP

step='router-host.ns:6  veth blue<->host ip 10.0.2.2/24, 10.0.2.1/24'
# (if blue is new, a marked veth-blue-host still here is being removed with a namespace deleted by hand: wait, then create)
if created ip link add name veth-blue-host up type veth peer name veth-blue netns blue || { { has_mark veth-blue-host || link_gone '' veth-blue-host; } && made_now blue &&
  veths_gone veth-blue-host && created ip link add name veth-blue-host up type veth peer name veth-blue netns blue; }; then
  undo_push link '' veth-blue-host
else
  have_own_link veth-blue-host veth
  ip link set dev veth-blue-host up
fi
ip addr replace 10.0.2.1/24 dev veth-blue-host
ip -n blue -batch - <<'IP'
link set dev veth-blue addrgenmode none
link set dev veth-blue up
addr replace 10.0.2.2/24 dev veth-blue
IP

step='router-host.ns:9  address host:veth-blue-host 10.0.5.1/24'
ip addr replace 10.0.5.1/24 dev veth-blue-host

step='router-host.ns:10  address blue:lo 10.0.9.1/32'
ip -n blue addr replace 10.0.9.1/32 dev lo

step='router-host.ns:11  route red default via 10.0.1.1'
if created ip -n red route add default via 10.0.1.1; then
  undo_push route red default 'via 10.0.1.1 metric 0'
else
  have_route red default via 10.0.1.1 metric 0
fi

step='router-host.ns:12  route blue default via 10.0.2.1'
if created ip -n blue route add default via 10.0.2.1; then
  undo_push route blue default 'via 10.0.2.1 metric 0'
else
  have_route blue default via 10.0.2.1 metric 0
fi

step='router-host.ns:13  route host 10.0.9.1 via 10.0.2.2 metric 10'
if created ip route add 10.0.9.1/32 via 10.0.2.2 metric 10; then
  undo_push route '' 10.0.9.1/32 'via 10.0.2.2 metric 10'
else
  have_route '' 10.0.9.1/32 via 10.0.2.2 metric 10
fi

# `router host`: the host forwards between the lab's subnets.
# The value found before the first setup is kept in /run/nsgen/router-host, so teardown can restore it.
step=net.ipv4.ip_forward=1
if [ ! -e /run/nsgen/router-host/net.ipv4.ip_forward ]; then
  mkdir -p /run/nsgen/router-host
  cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/router-host/net.ipv4.ip_forward
  undo_push sysctl '' net.ipv4.ip_forward "$(cat /run/nsgen/router-host/net.ipv4.ip_forward)"
fi
echo 1 >/proc/sys/net/ipv4/ip_forward

# Router-host.ns:8 sets it.
# The value found before the first setup is kept in /run/nsgen/router-host, so teardown can restore it.
step=net.ipv4.conf.all.rp_filter=2
if [ ! -e /run/nsgen/router-host/net.ipv4.conf.all.rp_filter ]; then
  mkdir -p /run/nsgen/router-host
  cat /proc/sys/net/ipv4/conf/all/rp_filter >/run/nsgen/router-host/net.ipv4.conf.all.rp_filter
  undo_push sysctl '' net.ipv4.conf.all.rp_filter "$(cat /run/nsgen/router-host/net.ipv4.conf.all.rp_filter)"
fi
echo 2 >/proc/sys/net/ipv4/conf/all/rp_filter
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
  need_tool awk
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
      sysctl) echo "$extra" >"/proc/sys/${name//.//}" && rm -f /run/nsgen/router-host/"$name" && rmdir /run/nsgen/router-host /run/nsgen ;;
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

# have_route NS DESTINATION [via GATEWAY] [dev IFNAME] metric N: after `created` met "File exists": go on if NS has that
# very route; else stop the setup: a different route to DESTINATION is in the way.
have_route() {
  if has_route "$@"; then return 0; fi
  local -a in_ns=()
  if [ -n "$1" ]; then in_ns=(-n "$1"); fi
  echo "nsgen: ${1:-the host} already has another route to $2: $(ip "${in_ns[@]}" route show exact "$2" | head -n 1)" >&2
  on_error 1
}

# mark_made_links: give every link this run made in the host the lab's mark, alias
# nsgen:router-host, in one `ip -batch` (teardown deletes only links with it).
mark_made_links() {
  local i
  for ((i = 0; i < ${#undo[@]}; i += 4)); do
    if [ "${undo[i]}" = link ] && [ -z "${undo[i + 1]}" ]; then
      printf 'link set dev %s alias %s\n' "${undo[i + 2]}" nsgen:router-host
    fi
  done | ip -batch -
}

# netns_exists NAME: true if the network namespace NAME exists (`ip netns add` makes /run/netns/NAME).
netns_exists() {
  [ -e "/run/netns/$1" ]
}

# made_now NS: true if this run created namespace NS (it is on the undo list).
made_now() {
  local i
  for ((i = 0; i < ${#undo[@]}; i += 4)); do
    if [ "${undo[i]}" = netns ] && [ "${undo[i + 2]}" = "$1" ]; then return 0; fi
  done
  return 1
}

# link_exists NS NAME: true if NS ('' is the host) has an interface NAME.
link_exists() {
  local -a in_ns=()
  if [ -n "$1" ]; then in_ns=(-n "$1"); fi
  ip "${in_ns[@]}" link show dev "$2" >/dev/null 2>&1
}

# link_gone NS NAME: true if NS ('' is the host) has no interface NAME (any more).
link_gone() {
  ! link_exists "$1" "$2"
}

# has_route NS DESTINATION [via GATEWAY] [dev IFNAME] metric N: true if NS ('' is the host) has
# that very route (its metric included: another route to DESTINATION does not count).
has_route() {
  local -a in_ns=()
  if [ -n "$1" ]; then in_ns=(-n "$1"); fi
  [ -n "$(ip "${in_ns[@]}" route show exact "${@:2}" 2>/dev/null)" ]
}

# lab_link NAME KIND: true if the host's interface NAME is a KIND this lab's setup created: it
# carries the alias nsgen:router-host (matched as the alias field, whatever else, altnames say, is listed).
lab_link() {
  ip link show dev "$1" type "$2" 2>/dev/null |
    awk -v mark=nsgen:router-host '$1 == "alias" && $2 == mark && NF == 2 { ours = 1 } END { exit !ours }'
}

# has_mark NAME: true if the host's link NAME, of any kind (one the kernel is removing shows
# none), carries this lab's mark, alias nsgen:router-host.
has_mark() {
  ip link show dev "$1" 2>/dev/null |
    awk -v mark=nsgen:router-host '$1 == "alias" && $2 == mark && NF == 2 { ours = 1 } END { exit !ours }'
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

main "$@"
