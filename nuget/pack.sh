#!/usr/bin/env bash
# Packs PrivSep.Protocol, PrivSep.Shim, PrivSep.Build and the privsep tool into OUT (default artifacts/packages).
# Usage: nuget/pack.sh [OUT] [extra dotnet pack arguments, e.g. -p:ArtifactsPath=/tmp/x]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-$root/artifacts/packages}")"
shift || true
mkdir -p "$out"
for project in src/Protocol/PrivSep.Protocol.csproj src/Shim/PrivSep.Shim.csproj src/Cli/PrivSep.Cli.csproj src/Rewriter.Tasks/PrivSep.Rewriter.Tasks.csproj; do
  dotnet pack "$root/$project" --configuration Release --output "$out" --nologo \
    "-p:CustomAfterMicrosoftCommonTargets=$root/nuget/Packaging.targets" "$@"
done
ls -1 "$out"/*.nupkg
