#!/usr/bin/env bash
# Quick start (2/2): set everything up and run the whole test suite, once on SQLite
# and once on the real PostgreSQL server. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
bash scripts/services.sh || exit 1
export DESK_TESTING=1
export DESK_DATA_DIR=$PWD/var/test
mkdir -p "$DESK_DATA_DIR"
status=0

echo "=== Bộ kiểm thử trên SQLite ==="
DESK_DATABASE_URL="sqlite:///$DESK_DATA_DIR/desk.sqlite3" \
DESK_TEST_DATABASE_NAME="$DESK_DATA_DIR/test-desk.sqlite3" \
  .venv/bin/python -m pytest "$@" || status=1

echo "=== Bộ kiểm thử trên PostgreSQL ==="
DESK_DATABASE_URL="${DESK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/desk}" \
  .venv/bin/python -m pytest "$@" || status=1

exit $status
