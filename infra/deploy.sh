#!/usr/bin/env bash
# One command deploys ServerlessCommerce to Azure: resource group, Bicep (storage, function app, SignalR Service,
# Event Grid, Application Insights), the package, and the chain's first admin key.
#   bash infra/deploy.sh --resource-group RG --location REGION --chain-name NAME [options]
# Options:
#   --name-prefix P        short lower-case prefix for resource names (default sc)
#   --signalr-sku SKU      Free_F1 (default; 20 concurrent viewers) or Standard_S1 (1,000 per unit)
#   --signalr-units N      Standard_S1 units (default 1)
#   --time-zone TZ         the chain's IANA time zone (default Asia/Shanghai)
#   --package ZIP          deploy this zip instead of building one with infra/package.sh
#   --new-admin-key        issue a new admin key for the first chain (the old one stops working)
# Safe to run again: the same names, the same secrets (read back from the app), a new package; the first chain is
# created once. Needs the Azure CLI (az), logged in (az login), with rights to create resources in the subscription.
# SC_PLATFORM_ADMIN_KEY (optional, ≥ 32 characters): the platform key to use instead of a generated one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$(repo_root)"
cd "$root"

rg="" location="" chain_name="" prefix="sc" signalr_sku="Free_F1" signalr_units=1 time_zone="Asia/Shanghai" zip="" new_admin_key=0
while [ $# -gt 0 ]; do
  case "$1" in
    --resource-group) rg="$2"; shift 2 ;;
    --location) location="$2"; shift 2 ;;
    --chain-name) chain_name="$2"; shift 2 ;;
    --name-prefix) prefix="$2"; shift 2 ;;
    --signalr-sku) signalr_sku="$2"; shift 2 ;;
    --signalr-units) signalr_units="$2"; shift 2 ;;
    --time-zone) time_zone="$2"; shift 2 ;;
    --package) zip="$2"; shift 2 ;;
    --new-admin-key) new_admin_key=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "Unknown option '$1'. See: bash infra/deploy.sh --help" ;;
  esac
done
[ -n "$rg" ] || die "--resource-group is required (it is created if missing)."
[ -n "$location" ] || die "--location is required, e.g. eastasia or chinaeast2 (Azure China needs 'az cloud set -n AzureChinaCloud')."
[ -n "$chain_name" ] || die "--chain-name is required: the name of your chain, e.g. 邻里鲜."
[[ "$prefix" =~ ^[a-z0-9]{2,8}$ ]] || die "--name-prefix must be 2–8 lower-case letters or digits."
[[ "$signalr_sku" =~ ^(Free_F1|Standard_S1)$ ]] || die "--signalr-sku must be Free_F1 or Standard_S1."
[ -z "$zip" ] || [ -f "$zip" ] || die "--package $zip does not exist."

command -v az >/dev/null 2>&1 || die "The Azure CLI (az) is required: https://learn.microsoft.com/cli/azure/install-azure-cli"
command -v curl >/dev/null 2>&1 || die "curl is required: apt-get install curl"
az account show --query id -o tsv >/dev/null 2>&1 || die "Not logged in to Azure: run 'az login' (and 'az account set -s <subscription>')."

deployment="serverlesscommerce"
output() { az deployment group show -g "$rg" -n "$deployment" --query "properties.outputs.$1.value" -o tsv 2>/dev/null || true; }
random_secret() { head -c 36 /dev/urandom | base64 | tr -d '/+=\n'; }

# 1. The resource group (idempotent).
log "Resource group $rg in $location…"
az group create -n "$rg" -l "$location" --tags app=serverlesscommerce -o none

# 2. Secrets: reused from the running app so a second deploy keeps every key and member token working.
app_name="$(output FUNCTION_APP_NAME)"
platform_key="" signing_key="" current_package=""
if [ -n "$app_name" ]; then
  setting() { az functionapp config appsettings list -g "$rg" -n "$app_name" --query "[?name=='$1'].value | [0]" -o tsv 2>/dev/null || true; }
  platform_key="$(setting PlatformAdminKey)"
  signing_key="$(setting TokenSigningKey)"
  current_package="$(setting WEBSITE_RUN_FROM_PACKAGE)"
fi
# An operator who keeps the platform key in a vault of their own passes it in SC_PLATFORM_ADMIN_KEY.
[ -z "${SC_PLATFORM_ADMIN_KEY:-}" ] || platform_key="$SC_PLATFORM_ADMIN_KEY"
[ -n "$platform_key" ] || platform_key="$(random_secret)"
[ -n "$signing_key" ] || signing_key="$(random_secret)"

json_string() { local v="${1//\\/\\\\}"; v="${v//\"/\\\"}"; printf '"%s"' "$v"; }
secrets_file="$(mktemp)"
chmod 600 "$secrets_file"
trap 'rm -f "$secrets_file"' EXIT
deploy_bicep() {
  # Secrets travel in a private parameters file (not on the command line, never printed); the deployment's outputs
  # hold names and URLs only.
  printf '{"platformAdminKey":{"value":%s},"tokenSigningKey":{"value":%s},"packageUrl":{"value":%s}}' \
    "$(json_string "$platform_key")" "$(json_string "$signing_key")" "$(json_string "$1")" >"$secrets_file"
  az deployment group create -g "$rg" -n "$deployment" -f "$root/bicep/main.bicep" \
    -p "@$root/bicep/main.parameters.json" -p "@$secrets_file" \
    -p namePrefix="$prefix" signalRSku="$signalr_sku" signalRCapacity="$signalr_units" -o none
}

# 3. Infrastructure (keeps the current package, if any, so the app stays up meanwhile).
log "Deploying the Bicep (infrastructure)…"
deploy_bicep "$current_package"
app_name="$(output FUNCTION_APP_NAME)"
account="$(output STORAGE_ACCOUNT_NAME)"
container="$(output PACKAGE_CONTAINER)"
[ -n "$app_name" ] && [ -n "$account" ] || die "The deployment has no outputs; see 'az deployment group show -g $rg -n $deployment'."

# 4. The package: built here unless given, uploaded to Blob Storage, read by the app through a read-only SAS URL.
if [ -z "$zip" ]; then
  bash "$root/infra/package.sh" --output "$root/artifacts/package"
  zip="$root/artifacts/package/serverlesscommerce.zip"
fi
# A new blob per deploy (time, commit, random), so a running instance never reads a half-replaced package.
blob="serverlesscommerce-$(date -u +%Y%m%d%H%M%S)-$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo local)-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n').zip"
account_key="$(az storage account keys list -g "$rg" -n "$account" --query '[0].value' -o tsv)"
log "Uploading the package as $blob…"
az storage blob upload --account-name "$account" --account-key "$account_key" -c "$container" -n "$blob" -f "$zip" --overwrite -o none --only-show-errors
expiry="$(date -u -d '+2 years' +%Y-%m-%dT%H:%MZ)"
package_url="$(az storage blob generate-sas --account-name "$account" --account-key "$account_key" -c "$container" -n "$blob" \
  --permissions r --expiry "$expiry" --https-only --full-uri -o tsv)"
unset account_key

# 5. Point the app at the new package (same template: only WEBSITE_RUN_FROM_PACKAGE changes).
log "Deploying the Bicep (package)…"
deploy_bicep "$package_url"
unset package_url

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
rm -f "$secrets_file"

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
