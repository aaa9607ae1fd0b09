#!/usr/bin/env bash
# Fault-injection runs (a tool; a short run of each scenario is also in the tests, FaultInjectionTests): the real app
# as separate processes on an on-disk Azurite, a hot sale with buyers retrying with their Idempotency-Key, one kind of
# fault per scenario, then invariants read from storage. Prints the runs, the faults injected, the invariants checked
# and the violations (must be 0; the exit code is non-zero otherwise). The engine is tests/Faults/FaultRun.cs, run
# through `dotnet test` so the tool and the CI tests share it (and the tests' Azurite/app-process helpers).
#   bash infra/faults.sh [--runs N] [--seconds S] [--stock UNITS] [--scenario all|kill-burst|kill-close|azurite-restart|proxy]
# --seconds bounds each burst (buyers stop starting orders then; the leader closes if not sold out); default 30.
# --stock is the units on sale per run (default 300); runs × scenarios run one after another.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$(repo_root)"
cd "$root"

runs=1 seconds=30 scenario=all stock=300
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --scenario) scenario="$2"; shift 2 ;;
    --stock) stock="$2"; shift 2 ;;
    *) die "unknown argument $1 (see the header of infra/faults.sh)" ;;
  esac
done
case "$scenario" in all|kill-burst|kill-close|azurite-restart|proxy) ;; *) die "--scenario: all, kill-burst, kill-close, azurite-restart or proxy" ;; esac

require_tools
ensure_node_modules "$root"
export AZURITE_BIN="$root/infra/node_modules/.bin/azurite"
out="$root/artifacts/faults"
rm -rf "$out"
mkdir -p "$out"
export FAULTS_TOOL=1 FAULTS_RUNS="$runs" FAULTS_SECONDS="$seconds" FAULTS_SCENARIO="$scenario" FAULTS_STOCK="$stock" FAULTS_OUT="$out"

log "Building (Debug, as the tests run the app)…"
dotnet build "$root/tests/ServerlessCommerce.Tests.csproj" -nologo -v quiet -clp:ErrorsOnly >/dev/null
: >"$out/summary.txt.progress"
tail -n +1 -f "$out/summary.txt.progress" & follower=$!
status=0
dotnet test "$root/tests/ServerlessCommerce.Tests.csproj" --no-build -nologo --logger "console;verbosity=quiet" \
  --filter "FullyQualifiedName=ServerlessCommerce.Tests.Faults.FaultInjectionTests.Tool" >"$out/dotnet-test.log" 2>&1 || status=$?
sleep 0.5
kill "$follower" 2>/dev/null || true
echo
if [ -f "$out/summary.txt" ]; then
  cat "$out/summary.txt"
else
  cat "$out/dotnet-test.log"
fi
exit "$status"
