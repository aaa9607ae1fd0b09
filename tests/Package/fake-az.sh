#!/usr/bin/env bash
# A stand-in for the Azure CLI, for the deploy script's tests: it keeps the deployment's state in $FAKE_AZ_STATE,
# answers with outputs that point at a local app ($FAKE_APP_URL), and refuses any call it does not know (a storage
# key, a SAS or a blob upload included: the Flex deploy needs none). Like az, it compiles the .bicepparam it is given
# with the real Bicep CLI ($BICEP_BIN), so the SC_* environment the script sets must satisfy main.bicep.
# FAKE_AZ_PUBLISH_FAILURES=N refuses the first N publishes (a new identity's roles not yet propagated).
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
    params="$(arg_after -p "$@")"
    case "$params" in *.bicepparam) ;; *) echo "fake az: expected -p <file>.bicepparam, got '$params'" >&2; exit 5 ;; esac
    n=$(( $(ls "$state" | grep -c '^deployment-' || true) + 1 ))
    # What az does with a .bicepparam: compile it (readEnvironmentVariable reads this process's environment).
    "$BICEP_BIN" build-params "$params" --stdout >"$state/deployment-$n.json" 2>"$state/build-params.err" \
      || { cat "$state/build-params.err" >&2; exit 6; }
    # The app settings the deployment sets (read back by the next deploy).
    printf '%s' "$SC_PLATFORM_ADMIN_KEY" >"$state/setting-PlatformAdminKey"
    printf '%s' "$SC_TOKEN_SIGNING_KEY" >"$state/setting-TokenSigningKey"
    touch "$state/deployed" ;;
  "functionapp config appsettings list"*)
    case "$args" in
      *PlatformAdminKey*) [ ! -f "$state/setting-PlatformAdminKey" ] || cat "$state/setting-PlatformAdminKey" ;;
      *TokenSigningKey*) [ ! -f "$state/setting-TokenSigningKey" ] || cat "$state/setting-TokenSigningKey" ;;
      *) exit 7 ;;
    esac ;;
  "functionapp deployment source config-zip"*)
    [ -f "$state/deployed" ] || { echo "fake az: the app does not exist yet" >&2; exit 8; }
    tries=$(( $(cat "$state/publish-tries" 2>/dev/null || echo 0) + 1 ))
    echo "$tries" >"$state/publish-tries"
    if [ "$tries" -le "${FAKE_AZ_PUBLISH_FAILURES:-0}" ]; then
      echo "ERROR: Deployment was cancelled: the app could not write the package to its deployment storage (403)." >&2
      exit 9
    fi
    n=$(( $(ls "$state" | grep -c '^published-' || true) + 1 ))
    cp "$(arg_after --src "$@")" "$state/published-$n-$(arg_after -n "$@").zip" ;;
  "group show"*) [ -f "$state/tag" ] && cat "$state/tag" || true ;;
  "group update"*) sed -n 's/.*tags\.serverlesscommerce-first-chain=\([^ ]*\).*/\1/p' <<<"$args" >"$state/tag" ;;
  *) echo "fake az: unexpected call: az $args" >&2; exit 2 ;;
esac
