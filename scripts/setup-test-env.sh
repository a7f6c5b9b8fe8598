#!/usr/bin/env bash
# What the test suites need from the machine, checked (and on Debian as root, installed) before
# they run: `npm test` runs this first (pretest), and .ci/run runs it too.
#
#   chromium       the real-browser suites (Debian's, driven by playwright-core; never downloaded)
#   coturn         STUN/TURN server of the net-lab suites (turnserver, turnutils_*)
#   nftables       NAT routers of the net lab (nft, inside private namespaces only)
#   tcpdump        capture on the net lab's internet segment
#   redis-server   the relay's Redis store suites (started here if nothing answers on 6379)
#   iproute2       ip netns / veth / bridge
#                  (and ss: the relay CLI test reads a listening socket's backlog)
#
# On Debian as root: installs what is missing with apt-get (quiet, non-interactive), makes sure
# no coturn system service runs (tests start their own turnserver inside a namespace; a service
# would bind the machine's real ports), and starts Redis on 127.0.0.1:6379 if nothing answers.
# Anywhere else: exits 1 at once with the exact command to run.
set -euo pipefail

PACKAGES=(chromium coturn nftables tcpdump redis-server iproute2)
# One command per package: the one its presence is checked by.
declare -A PROVIDES=([chromium]=/usr/bin/chromium [coturn]=turnserver [nftables]=nft [tcpdump]=tcpdump [redis-server]=redis-server [iproute2]=ip)

have() { [[ "$1" == /* ]] && [ -x "$1" ] || command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }

missing=()
for p in "${PACKAGES[@]}"; do have "${PROVIDES[$p]}" || missing+=("$p"); done

is_debian() { [ -r /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }
is_root() { [ "$(id -u)" = 0 ]; }

if [ ${#missing[@]} -gt 0 ]; then
  if ! is_debian || ! is_root; then
    echo "setup-test-env: missing ${missing[*]}; the suites need root on Debian (network namespaces) and:" >&2
    echo "  sudo apt-get install -y ${PACKAGES[*]}" >&2
    exit 1
  fi
  echo "setup-test-env: installing ${missing[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Installing must never start a service: coturn's would listen on the machine's real ports.
  # A policy-rc.d that refuses every start holds for the install (unless one is already there).
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
  fi
  trap 'if [ "$own_policy" = 1 ]; then rm -f "$policy"; fi' EXIT
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! is_root; then
  echo "setup-test-env: the net-lab and mDNS suites create network namespaces: run the tests as root" >&2
  exit 1
fi

# No coturn system service (Debian's package ships one; under systemd it is enabled on install).
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  if systemctl is-enabled --quiet coturn 2>/dev/null || systemctl is-active --quiet coturn 2>/dev/null; then
    echo "setup-test-env: stopping and disabling the coturn system service" >&2
    systemctl disable --now coturn >/dev/null 2>&1 || true
  fi
else
  # Without systemd the init script starts coturn only with TURNSERVER_ENABLED=1 (off by
  # default). If a service instance runs anyway, stop that one process by its pid file: never
  # `/etc/init.d/coturn stop`, which kills every turnserver, the net-lab ones of parallel runs too.
  pid=$(cat /var/run/turnserver.pid 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = turnserver ]; then
    echo "setup-test-env: stopping the coturn service (pid $pid)" >&2
    kill "$pid" 2>/dev/null || true
  fi
fi

# Redis for the relay's Redis store suites (the kind of machine usually starts it already).
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 0.1; done
fi
