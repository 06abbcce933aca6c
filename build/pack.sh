#!/usr/bin/env bash
# Packs the NuGet packages users install into a local folder feed (default: artifacts/packages).
#   build/pack.sh [OUTPUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/packages}"
configuration="${CONFIGURATION:-Release}"
mkdir -p "$out"
for project in \
  runtime/Nuzantara.Concurrency/Nuzantara.Concurrency.csproj \
  analyzers/Nuzantara.Analyzers.Package/Nuzantara.Analyzers.Package.csproj; do
  echo "==> pack $project"
  dotnet pack "$project" -c "$configuration" -o "$out" --nologo -v quiet
done
if [ -f runtime/Nuzantara.Concurrency.Postgres/Nuzantara.Concurrency.Postgres.csproj ]; then
  echo "==> pack runtime/Nuzantara.Concurrency.Postgres"
  dotnet pack runtime/Nuzantara.Concurrency.Postgres/Nuzantara.Concurrency.Postgres.csproj -c "$configuration" -o "$out" --nologo -v quiet
fi
echo "==> packages in $out:"
ls -1 "$out"/*.nupkg
