#!/usr/bin/env bash
# Runs every test project against a throwaway PostgreSQL cluster.
#
#   build/test.sh [extra dotnet test args...]     e.g. build/test.sh --filter "FullyQualifiedName~Keyed"
#
# What it does:
#   1. build/setup.sh: installs PostgreSQL 15 if missing, restores the solution.
#   2. Starts a PostgreSQL cluster in a temporary folder on a free 127.0.0.1 port and
#      exports NUZANTARA_TEST_PG (an Npgsql connection string; tests create their own
#      databases and tables).
#   3. Builds the solution once (Release), then runs each tests/*/*.csproj with
#      `dotnet test --no-build`, carrying on past failing projects.
#   4. Stops the cluster, removes the temporary folder (also on failure or interrupt),
#      and prints as its last line:  tests: N passed, N failed, N skipped
#
# Exit status is non-zero when any test failed, a project produced no results, or the
# build failed; such a project or build counts as at least one failed test.
#
# Environment:
#   SOLUTION           solution to build (default Nuzantara.Analyzers.sln)
#   CONFIGURATION      build configuration (default Release)
#   PG_BIN             PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
#   TEST_RESULTS_DIR   keep TRX files here (default: inside the temporary folder, removed)
#   TEST_HANG_TIMEOUT  per-test hang timeout for `dotnet test --blame-hang-timeout`
#                      (default 10m; empty disables)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

SOLUTION="${SOLUTION:-Nuzantara.Analyzers.sln}"
CONFIGURATION="${CONFIGURATION:-Release}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
TEST_HANG_TIMEOUT="${TEST_HANG_TIMEOUT-10m}"
export SOLUTION PG_BIN
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

extra_test_args=("$@")

work_dir=""      # temporary folder: PostgreSQL data, socket, log (and results by default)
pg_data=""
pg_port=""
child_pid=""     # the long-running command in progress, killed on interrupt

# ---------------------------------------------------------------------------
# helpers

# Runs a command as the postgres OS user (PostgreSQL refuses to run as root).
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd "$work_dir" && runuser -u postgres -- "$@")
  else
    (cd "$work_dir" && "$@")
  fi
}

# Runs a command in its own process group and waits for it, so that an interrupt
# reaches the trap at once and the trap can stop the whole process tree.
run() {
  setsid "$@" &
  child_pid=$!
  local rc=0
  wait "$child_pid" || rc=$?
  child_pid=""
  return "$rc"
}

free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# ---------------------------------------------------------------------------
# the throwaway PostgreSQL cluster

start_cluster() {
  work_dir="$(mktemp -d "${TMPDIR:-/tmp}/nuzantara-test.XXXXXX")"
  pg_data="$work_dir/data"
  if [[ $EUID -eq 0 ]]; then
    chown postgres: "$work_dir"
  fi

  echo "==> initdb $pg_data"
  if ! as_pg "$PG_BIN/initdb" -D "$pg_data" -A trust -U postgres -E UTF8 --no-locale --no-sync \
      >"$work_dir/initdb.log" 2>&1; then
    cat "$work_dir/initdb.log" >&2
    echo "error: initdb failed" >&2
    return 1
  fi

  # The port is free when picked but could be taken before the server binds it; retry.
  local attempt
  for attempt in 1 2 3 4 5; do
    pg_port="$(free_port)"
    echo "==> starting PostgreSQL on 127.0.0.1:$pg_port"
    if as_pg "$PG_BIN/pg_ctl" -D "$pg_data" -w -t 60 -l "$work_dir/log" \
        -o "-p $pg_port -k $work_dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null; then
      break
    fi
    if [[ $attempt -eq 5 ]]; then
      tail -n 30 "$work_dir/log" >&2 || true
      echo "error: PostgreSQL did not start" >&2
      return 1
    fi
  done

  export NUZANTARA_TEST_PG="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
  local version
  version="$("$PG_BIN/psql" "host=127.0.0.1 port=$pg_port user=postgres dbname=postgres" \
    -XtAc 'show server_version')"
  echo "==> PostgreSQL $version ready: NUZANTARA_TEST_PG=$NUZANTARA_TEST_PG"
}

stop_cluster() {
  if [[ -n $pg_data && -f $pg_data/postmaster.pid ]]; then
    echo "==> stopping PostgreSQL"
    if ! as_pg "$PG_BIN/pg_ctl" -D "$pg_data" -m immediate -w -t 30 stop >/dev/null 2>&1; then
      local pid
      pid="$(head -n 1 "$pg_data/postmaster.pid" 2>/dev/null || true)"
      if [[ -n $pid ]]; then
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
  fi
  pg_data=""
  if [[ -n $work_dir ]]; then
    rm -rf "$work_dir"
    work_dir=""
  fi
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $child_pid ]]; then
    # Stop the command's whole process group (dotnet, vstest, testhost, build nodes);
    # anything still alive after 10 s is killed.
    kill -TERM -- "-$child_pid" 2>/dev/null || true
    local i
    for i in $(seq 20); do
      ps -o stat= -g "$child_pid" 2>/dev/null | grep -qv '^Z' || break
      sleep 0.5
    done
    kill -KILL -- "-$child_pid" 2>/dev/null || true
    wait "$child_pid" 2>/dev/null || true
  fi
  stop_cluster || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------
# TRX parsing: prints "passed failed skipped" for all TRX files under a folder and
# lists failed tests on stderr.

trx_counts() {
  python3 - "$1" <<'PY'
import glob, os, sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in sorted(glob.glob(os.path.join(sys.argv[1], "**", "*.trx"), recursive=True)):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        print(f"    unreadable TRX {path}: {e}", file=sys.stderr)
        failed += 1
        continue
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "Counters":
            a = lambda k: int(el.get(k, "0"))
            passed += a("passed")
            failed += a("failed") + a("error") + a("timeout") + a("aborted")
            # xunit's skipped tests show as NotExecuted results but are left out of
            # notExecuted; total - executed counts them.
            skipped += max(a("notExecuted"), a("total") - a("executed"))
        elif tag == "UnitTestResult" and el.get("outcome") in ("Failed", "Error", "Timeout", "Aborted"):
            print(f"    FAILED {el.get('testName')}", file=sys.stderr)
print(passed, failed, skipped)
PY
}

# ---------------------------------------------------------------------------
# main

echo "==> setup"
bash "$repo_root/build/setup.sh"

start_cluster

shopt -s nullglob
projects=(tests/*/*.csproj)
shopt -u nullglob

total_passed=0
total_failed=0
total_skipped=0
build_failed=0

# Build the solution once; test projects outside it (or all, when there is no solution
# yet or its build failed) are built one by one below.
solution_ok=0
declare -A in_solution=()
if [[ -f $SOLUTION ]]; then
  echo "==> dotnet build $SOLUTION -c $CONFIGURATION"
  if run dotnet build "$SOLUTION" -c "$CONFIGURATION"; then
    solution_ok=1
  else
    echo "==> BUILD FAILED: $SOLUTION"
    build_failed=1
  fi
  while IFS= read -r line; do
    line="${line//\\//}"
    line="${line%$'\r'}"
    [[ $line == *.csproj ]] && in_solution["$line"]=1
  done < <(dotnet sln "$SOLUTION" list 2>/dev/null || true)
else
  echo "==> $SOLUTION not found; building test projects one by one"
fi

results_root="${TEST_RESULTS_DIR:-$work_dir/results}"
mkdir -p "$results_root"

hang_args=()
if [[ -n $TEST_HANG_TIMEOUT ]]; then
  hang_args=(--blame-hang-timeout "$TEST_HANG_TIMEOUT" --blame-hang-dump-type none)
fi

if [[ ${#projects[@]} -eq 0 ]]; then
  echo "==> no test projects under tests/"
fi

declare -a summary=()
for proj in "${projects[@]}"; do
  name="$(basename "$proj" .csproj)"

  if [[ $solution_ok -eq 0 || -z ${in_solution[$proj]:-} ]]; then
    echo "==> dotnet build $proj -c $CONFIGURATION"
    if ! run dotnet build "$proj" -c "$CONFIGURATION"; then
      echo "==> BUILD FAILED: $proj"
      total_failed=$((total_failed + 1))
      summary+=("$name: build failed")
      continue
    fi
  fi

  results_dir="$results_root/$name"
  rm -rf "$results_dir"
  echo "==> dotnet test $proj ${extra_test_args[*]}"
  test_rc=0
  run dotnet test "$proj" -c "$CONFIGURATION" --no-build \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results_dir" \
    "${hang_args[@]}" "${extra_test_args[@]}" || test_rc=$?

  shopt -s nullglob globstar
  trx_files=("$results_dir"/**/*.trx)
  shopt -u nullglob globstar
  if [[ ${#trx_files[@]} -eq 0 ]]; then
    echo "==> NO RESULTS: $proj (dotnet test exit $test_rc)"
    total_failed=$((total_failed + 1))
    summary+=("$name: no results (dotnet test exit $test_rc)")
    continue
  fi

  counts="$(trx_counts "$results_dir")" || counts=""
  read -r p f s <<<"${counts:-0 1 0}"
  if [[ $test_rc -ne 0 && $f -eq 0 ]]; then
    # e.g. the test host crashed or a run-level error: never let it look green
    echo "==> dotnet test exited $test_rc without failed tests in the TRX; counting 1 failure"
    f=1
  fi
  total_passed=$((total_passed + p))
  total_failed=$((total_failed + f))
  total_skipped=$((total_skipped + s))
  summary+=("$name: $p passed, $f failed, $s skipped")
done

if [[ $build_failed -ne 0 ]]; then
  total_failed=$((total_failed + 1))
  summary+=("$SOLUTION: build failed")
fi

stop_cluster

if [[ ${#summary[@]} -gt 0 ]]; then
  echo "==> summary"
  printf '    %s\n' "${summary[@]}"
fi
if [[ -n ${TEST_RESULTS_DIR:-} ]]; then
  echo "==> TRX files kept in $results_root"
fi
echo "tests: $total_passed passed, $total_failed failed, $total_skipped skipped"

if [[ $total_failed -ne 0 ]]; then
  exit 1
fi
exit 0
