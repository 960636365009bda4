#!/usr/bin/env bash
# Setup of nsgen lab 'pods', compiled from pods.ns (target nft, default style).
# Creates namespaces web, api, db; bridge cni0; veth pairs veth-web-br/eth0, veth-api-br/eth0,
# veth-db-br/eth0; routes in web to default; in api to default; in db to default; rules in nft table
# ip nsgen-pods (masquerade 10.244.1.0/24, tcp 30080 -> 10.244.1.10:80); net.ipv4.ip_forward=1.
# Run it as root. Running it again changes nothing. If a step fails, it names the lab-file line,
# removes what this run created and exits non-zero. Undo: nsgen down -t nft pods.ns
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=pods
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

step='pods.ns:9  ns web'
if ! netns_exists web; then
  ip netns add web
  undo_push netns '' web
fi
ip -n web link set dev lo up

step='pods.ns:13  ns api'
if ! netns_exists api; then
  ip netns add api
  undo_push netns '' api
fi
ip -n api link set dev lo up

step='pods.ns:17  ns db'
if ! netns_exists db; then
  ip netns add db
  undo_push netns '' db
fi
ip -n db link set dev lo up

step='pods.ns:7  bridge cni0 ip 10.244.1.1/24'
if created ip link add name cni0 type bridge; then
  undo_push link '' cni0
else
  have_link '' cni0 bridge
fi
ip link set dev cni0 up
ip addr replace 10.244.1.1/24 dev cni0

step='pods.ns:10  veth web:eth0<->cni0 ip 10.244.1.10/24'
# (if web is new, a marked veth-web-br still here is being removed with a namespace deleted by hand: wait, then create)
if created ip link add name veth-web-br master cni0 up type veth peer name eth0 netns web || { { has_mark veth-web-br || link_gone '' veth-web-br; } && made_now web &&
  veths_gone veth-web-br && created ip link add name veth-web-br master cni0 up type veth peer name eth0 netns web; }; then
  undo_push link '' veth-web-br
else
  have_own_link veth-web-br veth
  ip link set dev veth-web-br master cni0 up
fi
ip -n web -batch - <<'IP'
link set dev eth0 addrgenmode none
link set dev eth0 up
addr replace 10.244.1.10/24 dev eth0
IP

step='pods.ns:14  veth api:eth0<->cni0 ip 10.244.1.11/24'
# (if api is new, a marked veth-api-br still here is being removed with a namespace deleted by hand: wait, then create)
if created ip link add name veth-api-br master cni0 up type veth peer name eth0 netns api || { { has_mark veth-api-br || link_gone '' veth-api-br; } && made_now api &&
  veths_gone veth-api-br && created ip link add name veth-api-br master cni0 up type veth peer name eth0 netns api; }; then
  undo_push link '' veth-api-br
else
  have_own_link veth-api-br veth
  ip link set dev veth-api-br master cni0 up
fi
ip -n api -batch - <<'IP'
link set dev eth0 addrgenmode none
link set dev eth0 up
addr replace 10.244.1.11/24 dev eth0
IP

step='pods.ns:18  veth db:eth0<->cni0 ip 10.244.1.12/24'
# (if db is new, a marked veth-db-br still here is being removed with a namespace deleted by hand: wait, then create)
if created ip link add name veth-db-br master cni0 up type veth peer name eth0 netns db || { { has_mark veth-db-br || link_gone '' veth-db-br; } && made_now db &&
  veths_gone veth-db-br && created ip link add name veth-db-br master cni0 up type veth peer name eth0 netns db; }; then
  undo_push link '' veth-db-br
else
  have_own_link veth-db-br veth
  ip link set dev veth-db-br master cni0 up
fi
ip -n db -batch - <<'IP'
link set dev eth0 addrgenmode none
link set dev eth0 up
addr replace 10.244.1.12/24 dev eth0
IP

step='pods.ns:11  route web default via 10.244.1.1'
if created ip -n web route add default via 10.244.1.1; then
  undo_push route web default 'via 10.244.1.1 metric 0'
else
  have_route web default via 10.244.1.1 metric 0
fi

step='pods.ns:15  route api default via 10.244.1.1'
if created ip -n api route add default via 10.244.1.1; then
  undo_push route api default 'via 10.244.1.1 metric 0'
else
  have_route api default via 10.244.1.1 metric 0
fi

step='pods.ns:19  route db default via 10.244.1.1'
if created ip -n db route add default via 10.244.1.1; then
  undo_push route db default 'via 10.244.1.1 metric 0'
else
  have_route db default via 10.244.1.1 metric 0
fi

step='firewall: nft table ip nsgen-pods'
if ! nft list table ip nsgen-pods >/dev/null 2>&1; then
  undo_push rules '' '' ''
fi
# The lab's rules live in its own nft table, ip nsgen-pods, loaded in one atomic
# `nft -f`; nothing else is touched.
# Its postrouting chain masquerades the lab's subnets leaving the host,
# its prerouting chain forwards ports of the host's own addresses (DNAT),
# and its forward chain accepts that traffic.
# pods.ns:21  nat masquerade 10.244.1.0/24
# pods.ns:22  forward tcp 30080 -> 10.244.1.10:80
nft -f - <<'RULES'
table ip nsgen-pods
delete table ip nsgen-pods
table ip nsgen-pods {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		# pods.ns:22  forward tcp 30080 -> 10.244.1.10:80
		fib daddr type local tcp dport 30080 dnat to 10.244.1.10:80 comment "pods.ns:22"
	}

	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		# pods.ns:21  nat masquerade 10.244.1.0/24
		ip saddr 10.244.1.0/24 ip daddr != 10.244.1.0/24 masquerade comment "pods.ns:21"
	}

	chain forward {
		type filter hook forward priority filter; policy accept;
		ip saddr 10.244.1.0/24 accept comment "pods.ns:21"
		ip daddr 10.244.1.0/24 ct state established,related accept comment "pods.ns:21"
		ip daddr 10.244.1.10 tcp dport 80 accept comment "pods.ns:22"
	}
}
RULES

# The host must route between the lab and its uplink for NAT to work.
# The value found before the first setup is kept in /run/nsgen/pods, so teardown can restore it.
step=net.ipv4.ip_forward=1
if [ ! -e /run/nsgen/pods/net.ipv4.ip_forward ]; then
  mkdir -p /run/nsgen/pods
  cat /proc/sys/net/ipv4/ip_forward >/run/nsgen/pods/net.ipv4.ip_forward
  undo_push sysctl '' net.ipv4.ip_forward "$(cat /run/nsgen/pods/net.ipv4.ip_forward)"
fi
echo 1 >/proc/sys/net/ipv4/ip_forward
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
  need_tool nft
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
      sysctl) echo "$extra" >"/proc/sys/${name//.//}" && rm -f /run/nsgen/pods/"$name" && rmdir /run/nsgen/pods /run/nsgen ;;
      rules) remove_rules ;;
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
# nsgen:pods, in one `ip -batch` (teardown deletes only links with it).
mark_made_links() {
  local i
  for ((i = 0; i < ${#undo[@]}; i += 4)); do
    if [ "${undo[i]}" = link ] && [ -z "${undo[i + 1]}" ]; then
      printf 'link set dev %s alias %s\n' "${undo[i + 2]}" nsgen:pods
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

# has_route NS DESTINATION [via GATEWAY] [dev IFNAME] metric N: true if NS ('' is the host) has
# that very route (its metric included: another route to DESTINATION does not count).
has_route() {
  local -a in_ns=()
  if [ -n "$1" ]; then in_ns=(-n "$1"); fi
  [ -n "$(ip "${in_ns[@]}" route show exact "${@:2}" 2>/dev/null)" ]
}

# lab_link NAME KIND: true if the host's interface NAME is a KIND this lab's setup created: it
# carries the alias nsgen:pods (matched as the alias field, whatever else, altnames say, is listed).
lab_link() {
  ip link show dev "$1" type "$2" 2>/dev/null |
    awk -v mark=nsgen:pods '$1 == "alias" && $2 == mark && NF == 2 { ours = 1 } END { exit !ours }'
}

# has_mark NAME: true if the host's link NAME, of any kind (one the kernel is removing shows
# none), carries this lab's mark, alias nsgen:pods.
has_mark() {
  ip link show dev "$1" 2>/dev/null |
    awk -v mark=nsgen:pods '$1 == "alias" && $2 == mark && NF == 2 { ours = 1 } END { exit !ours }'
}

# remove_rules: delete the lab's nft table, ip nsgen-pods, if present.
remove_rules() {
  if nft list table ip nsgen-pods >/dev/null 2>&1; then
    nft delete table ip nsgen-pods
  fi
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
