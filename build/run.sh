#!/usr/bin/env bash
# The project's main job, for a newcomer on a fresh machine:
#   1. installs what is missing and builds everything;
#   2. runs the runtime benchmarks' quick mode (about three minutes): Nuzantara.Concurrency side by side with the
#      usual keyed-lock alternatives, ending with a ratio summary.
# Extra arguments go to the benchmark program, e.g. build/run.sh --filter '*Uncontended*'.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

bash build/setup.sh
echo "==> build"
dotnet build Nuzantara.Analyzers.sln -c Release --nologo -v quiet
echo "==> benchmarks (quick mode)"
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--quick)
dotnet run -c Release --no-build --project runtime/Nuzantara.Concurrency.Benchmarks -- "${args[@]}"
