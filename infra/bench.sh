#!/usr/bin/env bash
# Order-capture benchmark (a tool, not a test): builds the app in Release, starts its own in-memory Azurite and the
# app as a separate process on free ports, and prints burst-correctness, throughput (with the naive baseline), lifecycle
# (due-timer lateness, 成团 evaluation time) and live-room figures.
#   bash infra/bench.sh [--scenario all|burst|throughput|lifecycle|live] [--concurrency 64] [--seconds 30]
# Several instances on one storage (ARCHITECTURE.md §6): for each count in the list, that many app processes on one
# fresh Azurite, a closed loop spread round-robin over them (default 15 s after a 3 s warm-up); prints orders/s, p50/p99
# of accepted orders, every non-201 answer by status and problem code, ETag conflicts per order (from the "desk"
# counters of GET /api/health; "n/a" while the app has none) and the ratio to one instance. Only this scenario runs.
#   bash infra/bench.sh --instances 1,3 [--concurrency 64] [--seconds 15]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$(repo_root)"
require_tools
ensure_node_modules "$root"
dotnet build "$root/functions/ServerlessCommerce.Functions.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
dotnet build "$root/infra/bench/ServerlessCommerce.Bench.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
exec dotnet "$root/infra/bench/bin/Release/net10.0/ServerlessCommerce.Bench.dll" "$@"
