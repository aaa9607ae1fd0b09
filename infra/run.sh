#!/usr/bin/env bash
# Runs ServerlessCommerce locally: Azurite (installed from npm, data in .azurite/) and the app's functions on the
# local host at http://127.0.0.1:7071. Prints the URLs; Ctrl-C stops both. With AzureWebJobsStorage in the
# environment it uses that storage and starts no Azurite.
#   bash infra/run.sh [--port N] [--demo]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$(repo_root)"
cd "$root"

port=7071
demo=0
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --demo) demo=1; shift ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) die "Unknown option '$1'. Usage: bash infra/run.sh [--port N] [--demo]" ;;
  esac
done

require_tools
command -v curl >/dev/null 2>&1 || die "curl is required: apt-get install curl"
ensure_node_modules "$root"

azurite_pid=""
app_pid=""
cleanup() {
  trap - INT TERM EXIT
  stop_pid "$app_pid"
  stop_pid "$azurite_pid"
  log "Stopped."
}
trap cleanup INT TERM EXIT

storage="Azurite"
if [ -n "${AzureWebJobsStorage:-}" ]; then
  storage="AzureWebJobsStorage from the environment"
  log "Using the storage named by AzureWebJobsStorage in the environment (no Azurite started)."
else
  start_dev_azurite "$root" # sets azurite_pid when it starts one
fi

ensure_local_settings "$root"

port_open "$port" && die "Port $port is taken. Stop what uses it, or run: bash infra/run.sh --port <other>"

log "Building the app…"
dotnet build "$root/functions/ServerlessCommerce.Functions.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null \
  || { dotnet build "$root/functions/ServerlessCommerce.Functions.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly; die "Build failed."; }

url="http://127.0.0.1:$port"
log "Starting the app on $url…"
# PublicBaseUrl follows the port: it is the origin the Blob service lets browsers upload review photos from.
ASPNETCORE_URLS="$url" PublicBaseUrl="${PublicBaseUrl:-$url}" dotnet "$root/functions/bin/Release/net10.0/ServerlessCommerce.Functions.dll" &
app_pid=$!

if ! wait_for_url "$url/api/health" 60 "$app_pid"; then
  die "The app did not become healthy within 60 s (see the log above)."
fi

cat >&2 <<MSG

  ServerlessCommerce is running (local host, storage: $storage).

    Leader console:   $url/
    Member live room: $url/live/{campaignId}
    API (OpenAPI):    $url/api/openapi.json
    Health:           $url/api/health

  Platform key (local only): the PlatformAdminKey in local.settings.json.
  Press Ctrl-C to stop the app and Azurite.

MSG
if [ "$demo" = 1 ]; then
  log "Seeding the demo chain…"
  dotnet "$root/functions/bin/Release/net10.0/ServerlessCommerce.Functions.dll" --seed-demo "$url" || log "The demo seed failed (see above); the app keeps running."
fi
wait "$app_pid"
