#!/usr/bin/env bash
# One command deploys ServerlessCommerce to Azure: resource group, Bicep (storage, a Flex Consumption function app
# with its managed identity and storage roles, SignalR Service, Event Grid, Application Insights), the package, and
# the chain's first admin key.
#   bash infra/deploy.sh --resource-group RG --location REGION --chain-name NAME [options]
# Options:
#   --name-prefix P        short lower-case prefix for resource names (default sc)
#   --signalr-sku SKU      Free_F1 (default; 20 concurrent viewers) or Standard_S1 (1,000 per unit)
#   --signalr-units N      Standard_S1 units (default 1)
#   --max-instances N      upper bound on function app instances, a cost guard (default 10)
#   --time-zone TZ         the chain's IANA time zone (default Asia/Shanghai)
#   --package ZIP          deploy this zip instead of building one with infra/package.sh
#   --new-admin-key        issue a new admin key for the first chain (the old one stops working)
#   --message-webhook-url URL  https URL that receives one-time join codes as signed JSON (your SMS/WeChat bridge);
#                          required unless --member-verification off. Its HMAC key: SC_MESSAGE_WEBHOOK_SECRET, else kept
#                          from the running app, else generated (read it with az functionapp config appsettings list)
#   --member-verification on|off  joining needs a one-time SMS code (default on)
# Safe to run again: the same names, the same secrets (read back from the app), a new package; the first chain is
# created once. Needs the Azure CLI (az, with Bicep), logged in (az login), with rights to create resources and role
# assignments in the subscription (Owner, or Contributor + User Access Administrator).
# SC_PLATFORM_ADMIN_KEY (optional, >= 32 characters): the platform key to use instead of a generated one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$(repo_root)"
cd "$root"

rg="" location="" chain_name="" prefix="sc" signalr_sku="Free_F1" signalr_units=1 max_instances=10 time_zone="Asia/Shanghai" zip="" new_admin_key=0
webhook_url="" member_verification="on"
while [ $# -gt 0 ]; do
  case "$1" in
    --resource-group) rg="$2"; shift 2 ;;
    --location) location="$2"; shift 2 ;;
    --chain-name) chain_name="$2"; shift 2 ;;
    --name-prefix) prefix="$2"; shift 2 ;;
    --signalr-sku) signalr_sku="$2"; shift 2 ;;
    --signalr-units) signalr_units="$2"; shift 2 ;;
    --max-instances) max_instances="$2"; shift 2 ;;
    --time-zone) time_zone="$2"; shift 2 ;;
    --package) zip="$2"; shift 2 ;;
    --new-admin-key) new_admin_key=1; shift ;;
    --message-webhook-url) webhook_url="$2"; shift 2 ;;
    --member-verification) member_verification="$2"; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) die "Unknown option '$1'. See: bash infra/deploy.sh --help" ;;
  esac
done
[ -n "$rg" ] || die "--resource-group is required (it is created if missing)."
[ -n "$location" ] || die "--location is required, e.g. eastasia (Flex Consumption must be offered there: az functionapp list-flexconsumption-locations)."
[ -n "$chain_name" ] || die "--chain-name is required: the name of your chain, e.g. 邻里鲜."
[[ "$prefix" =~ ^[a-z0-9]{2,8}$ ]] || die "--name-prefix must be 2–8 lower-case letters or digits."
[[ "$signalr_sku" =~ ^(Free_F1|Standard_S1)$ ]] || die "--signalr-sku must be Free_F1 or Standard_S1."
[[ "$signalr_units" =~ ^[0-9]+$ ]] || die "--signalr-units must be a number."
[[ "$max_instances" =~ ^[0-9]+$ ]] && [ "$max_instances" -ge 1 ] && [ "$max_instances" -le 1000 ] || die "--max-instances must be 1–1000."
[ -z "$zip" ] || [ -f "$zip" ] || die "--package $zip does not exist."
[[ "$member_verification" =~ ^(on|off)$ ]] || die "--member-verification must be on or off."
[ "$member_verification" = off ] || [ -n "$webhook_url" ] || die "Joining needs one-time SMS codes: pass --message-webhook-url https://… (your SMS/WeChat bridge), or --member-verification off."
[ -z "$webhook_url" ] || [[ "$webhook_url" =~ ^https:// ]] || die "--message-webhook-url must be an https URL."

command -v az >/dev/null 2>&1 || die "The Azure CLI (az) is required: https://learn.microsoft.com/cli/azure/install-azure-cli"
command -v curl >/dev/null 2>&1 || die "curl is required: apt-get install curl"
az account show --query id -o tsv >/dev/null 2>&1 || die "Not logged in to Azure: run 'az login' (and 'az account set -s <subscription>')."

deployment="serverlesscommerce"
output() { az deployment group show -g "$rg" -n "$deployment" --query "properties.outputs.$1.value" -o tsv 2>/dev/null || true; }
random_secret() { head -c 36 /dev/urandom | base64 | tr -d '/+=\n'; }
json_string() { local v="${1//\\/\\\\}"; v="${v//\"/\\\"}"; printf '"%s"' "$v"; }

# 1. The resource group (idempotent).
log "Resource group $rg in $location…"
az group create -n "$rg" -l "$location" --tags app=serverlesscommerce -o none

# 2. Secrets: reused from the running app so a second deploy keeps every key and member token working.
app_name="$(output FUNCTION_APP_NAME)"
platform_key="" signing_key="" webhook_secret=""
if [ -n "$app_name" ]; then
  setting() { az functionapp config appsettings list -g "$rg" -n "$app_name" --query "[?name=='$1'].value | [0]" -o tsv 2>/dev/null || true; }
  platform_key="$(setting PlatformAdminKey)"
  signing_key="$(setting TokenSigningKey)"
  webhook_secret="$(setting MessageWebhookSecret)"
fi
# An operator who keeps the platform key in a vault of their own passes it in SC_PLATFORM_ADMIN_KEY.
[ -z "${SC_PLATFORM_ADMIN_KEY:-}" ] || platform_key="$SC_PLATFORM_ADMIN_KEY"
[ -n "$platform_key" ] || platform_key="$(random_secret)"
[ -n "$signing_key" ] || signing_key="$(random_secret)"
[ -z "${SC_MESSAGE_WEBHOOK_SECRET:-}" ] || webhook_secret="$SC_MESSAGE_WEBHOOK_SECRET"
[ -z "$webhook_url" ] || [ -n "$webhook_secret" ] || webhook_secret="$(random_secret)"

# 3. Infrastructure and settings. bicep/main.bicepparam reads the SC_* variables (readEnvironmentVariable) when az
# compiles it: the secrets reach Azure without a command-line argument or a file, and are never printed. The
# deployment's outputs hold names and URLs only. The app's code is not touched: it stays up meanwhile.
log "Deploying the Bicep (Flex Consumption app, storage with identity access, SignalR, Event Grid, monitoring)…"
SC_NAME_PREFIX="$prefix" SC_SIGNALR_SKU="$signalr_sku" SC_SIGNALR_UNITS="$signalr_units" SC_MAXIMUM_INSTANCE_COUNT="$max_instances" \
  SC_PLATFORM_ADMIN_KEY="$platform_key" SC_TOKEN_SIGNING_KEY="$signing_key" \
  SC_MEMBER_VERIFICATION="$member_verification" SC_MESSAGE_WEBHOOK_URL="$webhook_url" SC_MESSAGE_WEBHOOK_SECRET="$webhook_secret" \
  az deployment group create -g "$rg" -n "$deployment" -f "$root/bicep/main.bicep" -p "$root/bicep/main.bicepparam" -o none
app_name="$(output FUNCTION_APP_NAME)"
[ -n "$app_name" ] || die "The deployment has no outputs; see 'az deployment group show -g $rg -n $deployment'."

# 4. The package, published the Flex Consumption way: one deploy (config-zip) hands the zip to the platform, which
# stores it in the app's deployment container (written and read with the app's identity: no storage key, no SAS)
# and restarts the app on it. Flex supports no WEBSITE_RUN_FROM_PACKAGE and no Kudu zip deploy of its own.
if [ -z "$zip" ]; then
  bash "$root/infra/package.sh" --output "$root/artifacts/package"
  zip="$root/artifacts/package/serverlesscommerce.zip"
fi
# A new identity's storage roles can take a few minutes to apply everywhere: a first publish may be refused meanwhile.
attempts=5 retry_seconds="${SC_DEPLOY_RETRY_SECONDS:-30}"
for ((attempt = 1; ; attempt++)); do
  log "Publishing the package to $app_name (attempt $attempt of $attempts)…"
  if az functionapp deployment source config-zip -g "$rg" -n "$app_name" --src "$zip" -o none --only-show-errors; then
    break
  fi
  [ "$attempt" -lt "$attempts" ] || die "Publishing failed $attempts times. Check the app's identity has 'Storage Blob Data Owner' on the storage account, then re-run this script (it is safe to repeat)."
  log "Publishing failed (role assignments may still be propagating); trying again in ${retry_seconds}s…"
  sleep "$retry_seconds"
done

# 5. Health: the app answers once the host has started on the new package.
health="$(output HEALTH_URL)"
console="$(output CONSOLE_URL)"
log "Waiting for $health (a cold start can take a minute)…"
wait_for_url "$health" 300 || die "The app did not become healthy within 5 minutes. Logs: Application Insights '$(output APPLICATION_INSIGHTS_NAME)', or 'az webapp log tail -g $rg -n $app_name'."

# 6. The chain's first admin key: created once (the resource group's tag remembers the chain), or re-issued on request.
first_chain="$(az group show -n "$rg" --query 'tags."serverlesscommerce-first-chain"' -o tsv 2>/dev/null || true)"
admin_key=""
if [ -z "$first_chain" ] || [ "$new_admin_key" = 1 ]; then
  # The same Idempotency-Key every time: a repeat returns the same chain with a new admin key.
  body="$(printf '{"name":%s,"timeZone":%s}' "$(json_string "$chain_name")" "$(json_string "$time_zone")")"
  answer="$(curl -fsS -X POST "${console%/}/api/chains" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $platform_key" -H "Idempotency-Key: deploy-first-chain-$rg" -d "$body")" \
    || die "Creating the chain failed; re-run this script (it is safe to repeat)."
  first_chain="$(sed -n 's/.*"chainId":"\([^"]*\)".*/\1/p' <<<"$answer")"
  admin_key="$(sed -n 's/.*"adminKey":"\([^"]*\)".*/\1/p' <<<"$answer")"
  az group update -n "$rg" --set "tags.serverlesscommerce-first-chain=$first_chain" -o none
fi
unset platform_key signing_key

cat <<MSG

ServerlessCommerce is deployed.
  Leader console:  $console
  Live rooms:      $(output LIVE_ROOM_URL_TEMPLATE)
  Chain:           $chain_name ($first_chain)
MSG
if [ -n "$admin_key" ]; then
  cat <<MSG
  Chain admin key: $admin_key
                   Shown once. Keep it safe: it signs HQ into the console to add stores and leaders.
                   Lost it? bash infra/deploy.sh ... --new-admin-key issues a new one (the old one stops working).
MSG
else
  echo "  Chain admin key: issued at the first deploy (not shown again). Lost it? Re-run with --new-admin-key."
fi
cat <<MSG
  Platform key:    in the app setting PlatformAdminKey (creates more chains):
                   az functionapp config appsettings list -g $rg -n $app_name --query "[?name=='PlatformAdminKey'].value" -o tsv
MSG
