#!/usr/bin/env bash
# Installs what the build and the tests need, then restores the solution.
#
#   build/setup.sh
#
# Idempotent: does nothing that is already done. Needs root (or sudo) only when
# something has to be installed with apt.
#
# Environment:
#   SOLUTION  solution to restore (default Nuzantara.Analyzers.sln, relative to the repo root)
#   PG_BIN    PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

SOLUTION="${SOLUTION:-Nuzantara.Analyzers.sln}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "error: need root (or sudo) to run: $*" >&2
    return 1
  fi
}

apt_updated=0
apt_install() {
  if [[ $apt_updated -eq 0 ]]; then
    echo "==> apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    apt_updated=1
  fi
  echo "==> apt-get install $*"
  # A policy-rc.d that answers 101 stops the package from starting its default
  # cluster as a system service; tests use their own throwaway cluster.
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [[ ! -e $policy ]]; then
    as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod +x $policy"
    made_policy=1
  fi
  local rc=0
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" || rc=$?
  if [[ $made_policy -eq 1 ]]; then
    as_root rm -f "$policy"
  fi
  return "$rc"
}

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET SDK (dotnet) is not on PATH; install the .NET 10 SDK first" >&2
  exit 1
fi

if ! command -v python3 >/dev/null 2>&1; then
  apt_install python3
fi

if [[ ! -x "$PG_BIN/postgres" ]]; then
  echo "==> PostgreSQL 15 not found at $PG_BIN; installing"
  apt_install postgresql-15 postgresql-client-15 ||
    apt_install postgresql postgresql-client
  if [[ ! -x "$PG_BIN/postgres" ]]; then
    echo "error: PostgreSQL installed but $PG_BIN/postgres is still missing (set PG_BIN?)" >&2
    exit 1
  fi
fi

# The Debian package creates the postgres user; make sure it exists anyway,
# because PostgreSQL refuses to run as root.
if [[ $EUID -eq 0 ]] && ! id -u postgres >/dev/null 2>&1; then
  echo "==> creating the postgres OS user"
  useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

if [[ -f "$SOLUTION" ]]; then
  echo "==> dotnet restore $SOLUTION"
  dotnet restore "$SOLUTION"
else
  echo "==> $SOLUTION not found; skipping restore"
fi
