#!/usr/bin/env bash
# Builds and runs every test: unit tests, Azurite integration tests (each run starts its own Azurite on free
# ports, in memory), HTTP end-to-end tests against the real app, the custom-handler contract tests, and browser tests
# of the pages in Debian's Chromium (installed with apt-get when missing). Screenshots go to artifacts/screenshots.
#   bash infra/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~TableStore]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$(repo_root)"
cd "$root"

require_tools
ensure_node_modules "$root"
ensure_chromium
export AZURITE_BIN="$root/infra/node_modules/.bin/azurite"

results="$root/artifacts/test-results"
rm -rf "$results" "$root/artifacts/screenshots"
mkdir -p "$results"

status=0
dotnet test "$root/ServerlessCommerce.sln" -nologo \
  --logger "trx;LogFileName=tests.trx" --logger "console;verbosity=minimal" \
  --results-directory "$results" --blame-hang-timeout 5m "$@" || status=$?

trx="$(find "$results" -name '*.trx' | head -n 1)"
if [ -n "$trx" ]; then
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  passed="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  failed="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  notrun="$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")"
  echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${notrun:-0} skipped"
fi
exit "$status"
