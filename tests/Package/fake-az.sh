#!/usr/bin/env bash
# A stand-in for the Azure CLI, for the deploy script's tests: it keeps the deployment's state in $FAKE_AZ_STATE,
# answers with outputs that point at a local app ($FAKE_APP_URL), and refuses any call it does not know.
set -euo pipefail
state="$FAKE_AZ_STATE"
echo "$*" >>"$state/calls.log"
args="$*"
arg_after() { local want="$1"; shift; while [ $# -gt 0 ]; do [ "$1" = "$want" ] && { echo "$2"; return; }; shift; done; }

case "$args" in
  "account show"*) echo "00000000-0000-0000-0000-000000000000" ;;
  "group create"*) touch "$state/group" ;;
  "deployment group show"*)
    [ -f "$state/deployed" ] || exit 3
    case "$args" in
      *FUNCTION_APP_NAME*) echo "sc-test-app" ;;
      *STORAGE_ACCOUNT_NAME*) echo "scteststore" ;;
      *PACKAGE_CONTAINER*) echo "deployments" ;;
      *HEALTH_URL*) echo "${FAKE_APP_URL%/}/api/health" ;;
      *CONSOLE_URL*) echo "${FAKE_APP_URL%/}/" ;;
      *LIVE_ROOM_URL_TEMPLATE*) echo "${FAKE_APP_URL%/}/live/{campaignId}" ;;
      *APPLICATION_INSIGHTS_NAME*) echo "sc-test-insights" ;;
      *) exit 4 ;;
    esac ;;
  "deployment group create"*)
    n=$(( $(ls "$state" | grep -c '^deployment-' || true) + 1 ))
    for a in "$@"; do
      case "$a" in
        @*main.parameters.json) ;;
        @*) cp "${a#@}" "$state/deployment-$n.json" ;;
      esac
    done
    [ -f "$state/deployment-$n.json" ] || { echo "no secret parameters file" >&2; exit 5; }
    touch "$state/deployed" ;;
  "functionapp config appsettings list"*)
    last="$(ls "$state"/deployment-*.json 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$last" ] || exit 0
    case "$args" in
      *PlatformAdminKey*) sed -n 's/.*"platformAdminKey":{"value":"\([^"]*\)".*/\1/p' "$last" ;;
      *TokenSigningKey*) sed -n 's/.*"tokenSigningKey":{"value":"\([^"]*\)".*/\1/p' "$last" ;;
      *WEBSITE_RUN_FROM_PACKAGE*) sed -n 's/.*"packageUrl":{"value":"\([^"]*\)".*/\1/p' "$last" ;;
    esac ;;
  "storage account keys list"*) echo "ZmFrZS1hY2NvdW50LWtleQ==" ;;
  "storage blob upload"*) cp "$(arg_after -f "$@")" "$state/uploaded-$(arg_after -n "$@")" ;;
  "storage blob generate-sas"*) echo "https://scteststore.blob.core.windows.net/deployments/$(arg_after -n "$@")?sv=2022-11-02&sp=r&sig=FAKESIGNATURE" ;;
  "group show"*) [ -f "$state/tag" ] && cat "$state/tag" || true ;;
  "group update"*) sed -n 's/.*tags\.serverlesscommerce-first-chain=\([^ ]*\).*/\1/p' <<<"$args" >"$state/tag" ;;
  *) echo "fake az: unexpected call: az $args" >&2; exit 2 ;;
esac
