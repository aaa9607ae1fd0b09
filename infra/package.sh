#!/usr/bin/env bash
# Builds the Azure Functions package: the app published self-contained for linux-x64, host.json, one folder with a
# function.json per HTTP endpoint (pages and static assets included) and per timer/queue trigger — generated from the
# app's own tables by the published executable — zipped with the executable's run bit kept.
#   bash infra/package.sh [--output DIR]      (default: artifacts/package)
# Produces DIR/site/ (the Functions app folder: what `func start` runs) and DIR/serverlesscommerce.zip (what Azure runs).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$(repo_root)"

out="$root/artifacts/package"
while [ $# -gt 0 ]; do
  case "$1" in
    --output) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,6p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "Unknown option '$1'. Usage: bash infra/package.sh [--output DIR]" ;;
  esac
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"
site="$out/site"
zip_file="$out/serverlesscommerce.zip"
exe="ServerlessCommerce.Functions"

require_tools
ensure_node_modules "$root" # the SignalR browser client is embedded by the build

log "Publishing self-contained for linux-x64…"
rm -rf "$site" "$zip_file"
dotnet publish "$root/functions/ServerlessCommerce.Functions.csproj" -c Release -r linux-x64 --self-contained true \
  -p:UseAppHost=true -o "$site" -nologo -v quiet -clp:ErrorsOnly >/dev/null \
  || { dotnet publish "$root/functions/ServerlessCommerce.Functions.csproj" -c Release -r linux-x64 --self-contained true -o "$site" -nologo -v quiet -clp:ErrorsOnly; die "Publish failed."; }
[ -f "$site/$exe" ] || die "The publish produced no $exe executable."
chmod 755 "$site/$exe"

# The Functions app folder: host.json at the root, beside the executable it names.
cp "$root/host.json" "$site/host.json"
grep -q "\"defaultExecutablePath\": \"$exe\"" "$site/host.json" || die "host.json does not name $exe as the custom handler."

log "Writing function.json files from the app's endpoint and trigger tables…"
"$site/$exe" --write-functions "$site" >/dev/null
count="$(find "$site" -mindepth 2 -maxdepth 2 -name function.json | wc -l)"
[ "$count" -gt 0 ] || die "No function.json was written."

log "Zipping…"
if command -v zip >/dev/null 2>&1; then
  (cd "$site" && zip -q -r -X "$zip_file" .)
elif command -v python3 >/dev/null 2>&1; then
  python3 - "$site" "$zip_file" <<'PY'
import os, sys, zipfile
site, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
    for folder, _, files in os.walk(site):
        for name in sorted(files):
            path = os.path.join(folder, name)
            info = zipfile.ZipInfo.from_file(path, os.path.relpath(path, site))  # keeps the Unix mode (run bit)
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as f:
                z.writestr(info, f.read())
PY
else
  die "Neither zip nor python3 is available to build the zip: apt-get install zip"
fi

size="$(du -h "$zip_file" | cut -f1)"
log "Package ready: $count functions."
echo "  App folder: $site"
echo "  Zip:        $zip_file ($size)"
