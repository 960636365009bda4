#!/usr/bin/env bash
# Teardown of nsgen lab 'router', compiled from router.ns (target nft, default style).
# Removes what the setup script creates (namespaces red, r1, blue; veth pairs veth-red/veth-r1,
# a/type; routes in red to default, default; in blue to 10.0.1.0/24, 10.255.0.1/32, default), in
# reverse order, and restores the sysctls it set. Running it again is harmless.
if [ -z "${BASH_VERSION-}" ]; then echo "nsgen: run this script with bash (bash $0), not sh" >&2; exit 2; fi
set -euo pipefail
set -o errtrace # the ERR trap fires inside functions too

lab=router

main() {
  preflight
  # The lab's steps. Bash reads and runs them one after another from this here-document: kept
  # as one function body, a big lab's steps would make every command bash starts slower to start.
  # shellcheck source=/dev/null
  source /dev/fd/3 3<<'STEPS'

# router.ns:5  ns blue
if netns_exists blue; then
  ip netns del blue
fi

# router.ns:4  ns r1
if netns_exists r1; then
  ip netns del r1
fi

# router.ns:3  ns red
if netns_exists red; then
  ip netns del red
fi
STEPS

  echo "nsgen: lab '$lab' is down" >&2
}

# preflight: stop before anything is done unless this runs as root and has the tools it calls.
preflight() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "nsgen: lab '$lab' teardown must run as root" >&2
    exit 1
  fi
  need_tool ip
  need_tool sysctl
}

# need_tool NAME: stop unless the command NAME is installed.
need_tool() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "nsgen: '$1' is not installed; it is needed for lab '$lab'" >&2
    exit 1
  fi
}

# netns_exists NAME: true if the network namespace NAME exists (`ip netns add` makes /run/netns/NAME).
netns_exists() {
  [ -e "/run/netns/$1" ]
}

main "$@"
