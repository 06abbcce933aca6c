#!/usr/bin/env bash
# The project's main job, for a newcomer on a fresh machine with the .NET 10 SDK:
#   1. installs what is missing and restores the solution (build/setup.sh);
#   2. builds the nuzantara CLI;
#   3. nuzantara check sample-backend/Nuzantara.Backend.Unfixed: the reference backend's five areas written the racy
#      way; prints the race hazards the rules find, by rule and file (finding them is the point: never fails);
#   4. nuzantara check sample-backend/Nuzantara.Backend: the same five areas, fixed; fails if the rules find anything.
#
#   build/run.sh                    the main job (about a minute once the packages are restored)
#   build/run.sh --bench [ARGS]     then the runtime benchmarks' quick mode too (about three minutes more):
#                                   Nuzantara.Concurrency side by side with the usual keyed-lock alternatives;
#                                   ARGS go to the benchmark program, e.g. build/run.sh --bench --filter '*Uncontended*'
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

benchmarks=runtime/Nuzantara.Concurrency.Benchmarks
bench=0
bench_args=()
case "${1:-}" in
  "") ;;
  --bench) bench=1; shift; bench_args=("$@") ;;
  -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "error: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

nuzantara() {
  dotnet run -c Release --no-build --project analyzers/Nuzantara.Cli -- "$@"
}

bash build/setup.sh

echo "==> build the nuzantara CLI"
dotnet build analyzers/Nuzantara.Cli -c Release --nologo -v quiet

echo "==> nuzantara check sample-backend/Nuzantara.Backend.Unfixed   (the racy version: these findings are its point)"
nuzantara check sample-backend/Nuzantara.Backend.Unfixed --fail-on none

echo "==> nuzantara check sample-backend/Nuzantara.Backend   (the fixed version: must be clean)"
if ! nuzantara check sample-backend/Nuzantara.Backend --fail-on warning; then
  echo "error: the fixed backend has race hazards (or did not load); see above" >&2
  exit 1
fi

if [[ $bench -eq 1 ]]; then
  if [[ ! -d $benchmarks ]]; then
    echo "error: --bench: $benchmarks is not in this checkout" >&2
    exit 1
  fi
  echo "==> benchmarks (quick mode)"
  [[ ${#bench_args[@]} -gt 0 ]] || bench_args=(--quick)
  dotnet run -c Release --project "$benchmarks" -- "${bench_args[@]}"
else
  echo "==> done. Optional: build/run.sh --bench runs the lock benchmarks' quick mode (about three minutes)."
fi
