#!/usr/bin/env bash
# Runs the packaged app under the real Azure Functions host (Core Tools `func start`) against Azurite, exactly as
# Azure runs it: the isolated worker with the functions.metadata the Worker SDK generates, host.json from the repo.
# Not run here (Core Tools cannot be installed on our machines); bash infra/run.sh runs the same functions on the local host.
#   bash infra/func-start.sh [--port N] [--no-package]
# Needs Azure Functions Core Tools v4 (`func`) on PATH; see the README ("Locally with Functions Core Tools").
# Without a SignalR Service the live room uses the embedded hub over long polling (the host passes no WebSockets).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$(repo_root)"
cd "$root"

port=7071
package=1
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --no-package) package=0; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) die "Unknown option '$1'. Usage: bash infra/func-start.sh [--port N] [--no-package]" ;;
  esac
done

command -v func >/dev/null 2>&1 || die "Azure Functions Core Tools (func) is not installed. Install v4: https://learn.microsoft.com/azure/azure-functions/functions-run-local (e.g. 'npm i -g azure-functions-core-tools@4' on a machine with internet), then re-run. Without it, 'bash infra/run.sh' runs the same functions on the local host."
require_tools
ensure_node_modules "$root"

site="$root/artifacts/package/site"
if [ "$package" = 1 ] || [ ! -f "$site/functions.metadata" ]; then
  bash "$root/infra/package.sh" --output "$root/artifacts/package"
fi

azurite_pid=""
func_pid=""
cleanup() {
  trap - INT TERM EXIT
  stop_pid "$func_pid"
  stop_pid "$azurite_pid"
  log "Stopped."
}
trap cleanup INT TERM EXIT

start_dev_azurite "$root"
ensure_local_settings "$root"
# func reads local.settings.json from the app folder and hands its Values to the worker as environment variables.
cp "$root/local.settings.json" "$site/local.settings.json"
port_open "$port" && die "Port $port is taken. Run: bash infra/func-start.sh --port <other>"

url="http://127.0.0.1:$port"
log "Starting the Functions host on $url (app folder: artifacts/package/site)…"
(cd "$site" && PublicBaseUrl="${PublicBaseUrl:-$url}" exec func start --port "$port") &
func_pid=$!

if ! wait_for_url "$url/api/health" 120 "$func_pid"; then
  die "The Functions host did not answer $url/api/health within 120 s (see its log above)."
fi

cat >&2 <<MSG

  ServerlessCommerce is running under the Functions host (isolated worker, storage: Azurite).

    Leader console:   $url/
    Member live room: $url/live/{campaignId}
    Health:           $url/api/health

  Press Ctrl-C to stop the host and Azurite.

MSG
wait "$func_pid"
