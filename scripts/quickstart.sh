#!/usr/bin/env bash
# Quick start (1/2): set everything up and run the desk on the embedded default
# (SQLite + local files + background worker) with the demo organisation.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DESK_DATA_DIR=${DESK_DATA_DIR:-$PWD/var}
.venv/bin/desk migrate --noinput -v 0
.venv/bin/desk collectstatic --noinput -v 0
.venv/bin/desk demo
.venv/bin/desk serve
