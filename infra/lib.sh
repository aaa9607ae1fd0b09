# Shared helpers for infra/run.sh and infra/test.sh. Sourced, not run.

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

log() { printf '\033[1;34m[serverlesscommerce]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[serverlesscommerce]\033[0m %s\n' "$*" >&2; exit 1; }

require_tools() {
  command -v dotnet >/dev/null 2>&1 || die "The .NET SDK (dotnet) is required: https://dot.net (version in global.json)."
  command -v node >/dev/null 2>&1 || die "Node.js (20 or newer) is required for Azurite: apt-get install nodejs npm"
  command -v npm >/dev/null 2>&1 || die "npm is required for Azurite: apt-get install npm"
}

# Installs infra/node_modules (Azurite) from the lock file when missing or stale.
ensure_node_modules() {
  local infra="$1/infra"
  if [ ! -x "$infra/node_modules/.bin/azurite" ] || [ "$infra/package-lock.json" -nt "$infra/node_modules/.package-lock.json" ]; then
    log "Installing Azurite and tools from npm (infra/package-lock.json)…"
    (cd "$infra" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in infra/; check that the npm registry is reachable."
  fi
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
