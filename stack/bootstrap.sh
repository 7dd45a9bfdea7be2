#!/usr/bin/env bash
# Runs before `npm start` / `npm test`: installs node_modules on a fresh clone, and again
# whenever package-lock.json changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -d node_modules || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "helix stack: installing npm dependencies (npm ci)…"
  # npm ci refuses lock files that lack other platforms' optional packages (chdb's per-OS libraries); npm install
  # then installs exactly the locked versions for this platform.
  npm ci --no-audit --no-fund --progress=true || npm install --no-audit --no-fund --progress=true
fi
