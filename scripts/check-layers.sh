#!/usr/bin/env bash
# The import rules of .dependency-cruiser.cjs over src/ (dependency-cruiser parses with the TypeScript 5 it is handed
# by scripts/depcruise-typescript.mjs). Exits non-zero on any import that points up a layer.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import ./scripts/depcruise-typescript.mjs node_modules/dependency-cruiser/bin/dependency-cruise.mjs \
  --config .dependency-cruiser.cjs --output-type err "${@:-src}"
