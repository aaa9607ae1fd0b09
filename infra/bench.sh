#!/usr/bin/env bash
# Order-capture benchmark (a tool, not a test): builds the app in Release, starts its own in-memory Azurite and the
# app as a separate process on free ports, and prints burst-correctness, throughput (with the naive baseline), lifecycle
# (due-timer lateness, 成团 evaluation time) and live-room figures.
#   bash infra/bench.sh [--scenario all|burst|throughput|lifecycle|live] [--concurrency 64] [--seconds 30]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$(repo_root)"
require_tools
ensure_node_modules "$root"
dotnet build "$root/functions/ServerlessCommerce.Functions.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
dotnet build "$root/infra/bench/ServerlessCommerce.Bench.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
exec dotnet "$root/infra/bench/bin/Release/net10.0/ServerlessCommerce.Bench.dll" "$@"
