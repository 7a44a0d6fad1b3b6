#!/usr/bin/env bash
# Regenerates docs/catalog-coverage.md and docs/catalog-coverage-baseline.txt from the current Shim: how many public
# members of the .NET file-system types that touch the disk by path the Shim's catalog replaces (privsep catalog
# --coverage). Run it after changing the Shim's [Replaces] members or src/Rewriter/Catalog/FileSystemSurface.json, and
# commit both files: tests/Cli.Tests fail while the document is out of date or coverage is below the baseline.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
dotnet build src/Cli -c Release -nologo -v quiet -clp:ErrorsOnly
privsep() { dotnet "$repo/artifacts/bin/PrivSep.Cli/release/privsep.dll" "$@"; }
privsep catalog --coverage --markdown > docs/catalog-coverage.md
# The baseline is the summary block of the text report: the total line and one line per type, up to the first empty line.
privsep catalog --coverage | sed '/^$/q' | sed '$d' > docs/catalog-coverage-baseline.txt
cat docs/catalog-coverage-baseline.txt
