# Shared helpers for infra/run.sh and infra/test.sh. Sourced, not run.

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

log() { printf '\033[1;34m[serverlesscommerce]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[serverlesscommerce]\033[0m %s\n' "$*" >&2; exit 1; }

require_tools() {
  command -v dotnet >/dev/null 2>&1 || die "The .NET SDK (dotnet) is required: https://dot.net (version in global.json)."
  command -v node >/dev/null 2>&1 || die "Node.js (20 or newer) is required for Azurite: apt-get install nodejs npm"
  command -v npm >/dev/null 2>&1 || die "npm is required for Azurite: apt-get install npm"
}

# Installs infra/node_modules (Azurite; the pages' SignalR client and the console's QR decoder jsQR, embedded by the build) from the lock file when
# missing or stale.
ensure_node_modules() {
  local infra="$1/infra"
  if [ ! -x "$infra/node_modules/.bin/azurite" ] || [ ! -f "$infra/node_modules/@microsoft/signalr/dist/browser/signalr.min.js" ] \
    || [ ! -f "$infra/node_modules/hls.js/dist/hls.min.js" ] \
    || [ ! -f "$infra/node_modules/@fontsource/noto-sans-sc/files/noto-sans-sc-chinese-simplified-700-normal.woff" ] \
    || [ ! -f "$infra/node_modules/jsqr/dist/jsQR.js" ] \
    || [ "$infra/package-lock.json" -nt "$infra/node_modules/.package-lock.json" ]; then
    log "Installing Azurite, the SignalR browser client, hls.js, the poster font and jsQR from npm (infra/package-lock.json)…"
    (cd "$infra" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in infra/; check that the npm registry is reachable."
  fi
}

# Installs Debian's chromium (for the browser tests) and a small Chinese font (so screenshots show the pages' text)
# with apt-get when missing. Never downloads a browser any other way. The font is nice to have; Chromium is required.
ensure_chromium() {
  local chromium="${CHROMIUM_PATH:-/usr/bin/chromium}" packages=() sudo=""
  [ -x "$chromium" ] || packages+=(chromium)
  [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || packages+=(fonts-wqy-microhei)
  # ffmpeg makes the HLS stream the live room's video test plays (LiveVideoPageTests); it is not used by the app.
  command -v ffmpeg >/dev/null 2>&1 || packages+=(ffmpeg)
  [ ${#packages[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1 || { [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; }; then
    [ -x "$chromium" ] && return 0
    die "Chromium is missing at $chromium: install Debian's 'chromium' package as root, or set CHROMIUM_PATH."
  fi
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  log "Installing ${packages[*]} for the browser tests (apt-get)…"
  if ! { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
      && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null; }; then
    [ -x "$chromium" ] || die "apt-get could not install chromium; check that Debian's package mirror is reachable."
    log "Could not install the Chinese font; screenshots will show boxes for Chinese text."
  fi
  [ -x "$chromium" ] || die "chromium was installed but $chromium does not exist: set CHROMIUM_PATH."
}

# True when something listens on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits until $1 (a URL) answers 2xx, for at most $2 seconds, while PID $3 lives.
wait_for_url() {
  local url="$1" seconds="$2" pid="${3:-}" i
  for ((i = 0; i < seconds * 5; i++)); do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  return 1
}

# Stops PID $1 (TERM, then KILL after 10 s) if it still runs.
stop_pid() {
  local pid="$1" i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Starts Azurite on its default ports with data in $1/.azurite (reusing one that already listens there) and sets
# azurite_pid when it started one; the caller stops it with stop_pid.
start_dev_azurite() {
  local root="$1"
  if port_open 10000 && port_open 10001 && port_open 10002; then
    log "Azurite (or another storage emulator) already listens on 10000-10002; using it."
    return 0
  fi
  if port_open 10000 || port_open 10001 || port_open 10002; then
    die "Some of the ports 10000-10002 are taken by something else; free them or stop the other emulator."
  fi
  mkdir -p "$root/.azurite"
  log "Starting Azurite (data in .azurite/)…"
  "$root/infra/node_modules/.bin/azurite" --silent --disableTelemetry --skipApiVersionCheck \
    --location "$root/.azurite" \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 >"$root/.azurite/azurite.log" 2>&1 &
  azurite_pid=$!
  for _ in $(seq 1 100); do
    port_open 10002 && port_open 10001 && port_open 10000 && break
    kill -0 "$azurite_pid" 2>/dev/null || die "Azurite exited; see .azurite/azurite.log"
    sleep 0.2
  done
  port_open 10002 || die "Azurite did not start within 20 s; see .azurite/azurite.log"
}

# Creates local.settings.json from the sample when missing (both run modes read it).
ensure_local_settings() {
  local root="$1"
  if [ ! -f "$root/local.settings.json" ]; then
    cp "$root/local.settings.sample.json" "$root/local.settings.json"
    log "Created local.settings.json from local.settings.sample.json (edit it to change settings)."
  fi
}
