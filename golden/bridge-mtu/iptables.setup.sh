#!/usr/bin/env bash
# Setup of nsgen lab 'jumbo', compiled from bridge-mtu.ns (target iptables, default style).
# Creates namespace a; bridge br0; veth pair veth-a-br/eth0.
# Run it as root. Running it again changes nothing. If a step fails, it names the lab-file line,
# removes what this run created and exits non-zero. Undo: nsgen down bridge-mtu.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=jumbo
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

step='bridge-mtu.ns:4  ns a'
if ! netns_exists a; then
  ip netns add a
  undo_push netns '' a
fi
ip -n a link set dev lo up

step='bridge-mtu.ns:3  bridge br0 ip 10.1.0.1/16 mtu 9000'
if created ip link add name br0 type bridge; then
  undo_push link '' br0
else
  have_link '' br0 bridge
fi
ip link set dev br0 mtu 9000 up
ip addr replace 10.1.0.1/16 dev br0

step='bridge-mtu.ns:5  veth a:eth0<->br0 ip 10.1.0.2 mtu 9000'
# (if a is new, a marked veth-a-br still here is being removed with a namespace deleted by hand: wait, then create)
if created ip link add name veth-a-br master br0 mtu 9000 up type veth peer name eth0 netns a || { { has_mark veth-a-br || link_gone '' veth-a-br; } && made_now a &&
  veths_gone veth-a-br && created ip link add name veth-a-br master br0 mtu 9000 up type veth peer name eth0 netns a; }; then
  undo_push link '' veth-a-br
else
  have_own_link veth-a-br veth
  ip link set dev veth-a-br master br0 mtu 9000 up
fi
ip -n a -batch - <<'IP'
link set dev eth0 addrgenmode none
link set dev eth0 mtu 9000 up
addr replace 10.1.0.2/16 dev eth0
IP
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

# mark_made_links: give every link this run made in the host the lab's mark, alias
# nsgen:jumbo, in one `ip -batch` (teardown deletes only links with it).
mark_made_links() {
  local i
  for ((i = 0; i < ${#undo[@]}; i += 4)); do
    if [ "${undo[i]}" = link ] && [ -z "${undo[i + 1]}" ]; then
      printf 'link set dev %s alias %s\n' "${undo[i + 2]}" nsgen:jumbo
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

# lab_link NAME KIND: true if the host's interface NAME is a KIND this lab's setup created: it
# carries the alias nsgen:jumbo (matched as the alias field, whatever else, altnames say, is listed).
lab_link() {
  ip link show dev "$1" type "$2" 2>/dev/null |
    awk -v mark=nsgen:jumbo '$1 == "alias" && $2 == mark && NF == 2 { ours = 1 } END { exit !ours }'
}

# has_mark NAME: true if the host's link NAME, of any kind (one the kernel is removing shows
# none), carries this lab's mark, alias nsgen:jumbo.
has_mark() {
  ip link show dev "$1" 2>/dev/null |
    awk -v mark=nsgen:jumbo '$1 == "alias" && $2 == mark && NF == 2 { ours = 1 } END { exit !ours }'
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
