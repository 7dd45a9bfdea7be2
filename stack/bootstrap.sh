#!/usr/bin/env bash
# Runs before `npm start` / `npm test`: installs node_modules on a fresh clone, and again
# whenever package-lock.json changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -d node_modules || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "helix stack: installing npm dependencies (npm ci)…"
  # npm ci refuses lock files that lack other platforms' optional packages (chdb's per-OS libraries); npm install
  # then installs exactly the locked versions for this platform. The first attempt's output is shown only if the
  # second fails too; npm's warnings (engines of dev tools' dependencies, install-script notices) are left out.
  ci_log=$(mktemp)
  if ! npm ci --no-audit --no-fund --loglevel=error >"$ci_log" 2>&1; then
    if ! npm install --no-audit --no-fund --loglevel=error; then
      cat "$ci_log"
      rm -f "$ci_log"
      exit 1
    fi
  fi
  rm -f "$ci_log"
  echo "helix stack: npm dependencies installed"
fi
