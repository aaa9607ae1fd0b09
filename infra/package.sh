#!/usr/bin/env bash
# Builds the Azure Functions package: the isolated-worker app published for .NET 10 (the platform provides the runtime),
# with the Worker SDK's functions.metadata (every HTTP route, page, timer and queue trigger, generated from the
# [Function] attributes), worker.config.json, extensions.json and host.json, zipped.
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

log "Publishing the isolated worker (Release)…"
rm -rf "$site" "$zip_file"
dotnet publish "$root/functions/ServerlessCommerce.Functions.csproj" -c Release -o "$site" -nologo -v quiet -clp:ErrorsOnly >/dev/null \
  || { dotnet publish "$root/functions/ServerlessCommerce.Functions.csproj" -c Release -o "$site" -nologo -v quiet -clp:ErrorsOnly; die "Publish failed."; }
for f in "$exe.dll" functions.metadata worker.config.json extensions.json host.json; do
  [ -f "$site/$f" ] || die "The publish produced no $f."
done
grep -q '"customHandler"' "$site/host.json" && die "host.json still configures a custom handler."
count="$(grep -o '"entryPoint"' "$site/functions.metadata" | wc -l)"
[ "$count" -gt 0 ] || die "functions.metadata lists no function."

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
