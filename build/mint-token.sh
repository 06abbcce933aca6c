#!/usr/bin/env bash
# Prints a bearer token for the reference backend.
#
#   build/mint-token.sh USER [HOURS]
#
# The token is signed with the backend's key: Auth__SigningKey from the environment, else the development key of
# sample-backend/Nuzantara.Backend/appsettings.Development.json. Use the same key for the backend and this script.
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: build/mint-token.sh USER [HOURS]" >&2
  exit 2
fi

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
cd "$repo_root/sample-backend/Nuzantara.Backend"
exec dotnet run --no-launch-profile -v quiet -- mint-token "$@"
