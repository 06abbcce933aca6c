#!/usr/bin/env bash
# A bounded load run of the reference backend, on loopback only.
#
#   build/load.sh [--requests N] [--users N] [--concurrency N]     (defaults 4000, 40, 64)
#
# Starts a throwaway PostgreSQL cluster (unless NUZANTARA_PG names a server to use), builds and starts the backend
# on a free 127.0.0.1 port, runs sample-backend/Nuzantara.Backend.Load against it, and prints throughput, p50/p99
# latency per area and the invariant checks. Everything it started is stopped at the end, also on failure.
#
# Environment:
#   NUZANTARA_PG   Npgsql connection string of a server's postgres database (default: a throwaway cluster)
#   PG_BIN         PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/nuzantara-load.XXXXXX")"
backend_pid=""
pg_started=0

cleanup() {
  if [[ -n $backend_pid ]]; then
    kill -TERM "$backend_pid" 2>/dev/null || true
    wait "$backend_pid" 2>/dev/null || true
  fi
  if [[ $pg_started -eq 1 ]]; then
    if [[ $EUID -eq 0 ]]; then
      runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$work_dir/data" -m fast -w stop >/dev/null 2>&1 || true
    else
      "$PG_BIN/pg_ctl" -D "$work_dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
  fi
  rm -rf "$work_dir"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd "$work_dir" && runuser -u postgres -- "$@")
  else
    (cd "$work_dir" && "$@")
  fi
}

if [[ -z ${NUZANTARA_PG:-} ]]; then
  [[ $EUID -eq 0 ]] && chown postgres: "$work_dir"
  as_pg "$PG_BIN/initdb" -D "$work_dir/data" -A trust -U postgres -E UTF8 --no-locale --no-sync >/dev/null
  pg_port="$(free_port)"
  as_pg "$PG_BIN/pg_ctl" -D "$work_dir/data" -w -l "$work_dir/pg.log" \
    -o "-p $pg_port -k $work_dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off" start >/dev/null
  pg_started=1
  NUZANTARA_PG="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
  echo "==> PostgreSQL on 127.0.0.1:$pg_port"
fi

database="nuzantara_load_$(date +%s)"
read -r pg_host pg_port pg_user pg_password < <(python3 -c 'import sys
kv = dict(p.split("=", 1) for p in sys.argv[1].split(";") if "=" in p)
get = lambda *names, default="": next((kv[k] for k in kv if k.lower() in names), default)
print(get("host", "server", default="127.0.0.1"), get("port", default="5432"), get("username", "user id", "user", default="postgres"), get("password", default="-"))' "$NUZANTARA_PG")
[[ $pg_password != "-" ]] && export PGPASSWORD="$pg_password"
"$PG_BIN/psql" -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -XqAc "CREATE DATABASE $database"
db_conn="$(python3 -c 'import sys
parts = [p for p in sys.argv[1].split(";") if p and not p.lower().startswith("database=")]
print(";".join(parts + ["Database=" + sys.argv[2], "Maximum Pool Size=100"]))' "$NUZANTARA_PG" "$database")"

echo "==> building (Release)"
dotnet build sample-backend/Nuzantara.Backend.Load -c Release -v quiet -nologo >/dev/null

export Auth__SigningKey="load-run-signing-key-$(date +%s%N)-0123456789abcdef"
export ConnectionStrings__Nuzantara="$db_conn"
export Logging__LogLevel__Default=Warning
port="$(free_port)"
echo "==> starting the backend on 127.0.0.1:$port"
dotnet artifacts/bin/Nuzantara.Backend/release/Nuzantara.Backend.dll --urls "http://127.0.0.1:$port" >"$work_dir/backend.log" 2>&1 &
backend_pid=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
    break
  fi
  if ! kill -0 "$backend_pid" 2>/dev/null; then
    cat "$work_dir/backend.log" >&2
    echo "error: the backend exited" >&2
    exit 1
  fi
  sleep 0.2
done

echo "==> load"
rc=0
dotnet artifacts/bin/Nuzantara.Backend.Load/release/Nuzantara.Backend.Load.dll --url "http://127.0.0.1:$port" --db "$db_conn" "$@" || rc=$?
exit "$rc"
