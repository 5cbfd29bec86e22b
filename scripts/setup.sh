#!/usr/bin/env bash
# One-time install for a fresh machine: npm packages (Node 24 comes as the devDependency `node`).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f package-lock.json ]; then npm ci; else npm install; fi
