#!/usr/bin/env bash
# Quick start (2/2): set everything up and run the whole test suite on SQLite and on the
# real PostgreSQL server. The two runs go side by side (each with its own data directory
# and test database) to halve the wall time; their outputs are printed one after the other.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -x tests/accounts`.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
bash scripts/services.sh || exit 1
# Static checks before the suite (docs/architecture.md, "Static checks"): ruff's rule set and its
# formatter over src, tests and benchmarks, and the import-linter layer contract (pyproject.toml).
echo ">> Kiểm tra tĩnh: ruff check, ruff format --check, lint-imports"
.venv/bin/ruff check --quiet src tests benchmarks || { echo "tests: 0 passed, 1 failed"; exit 1; }
.venv/bin/ruff format --check --quiet src tests benchmarks || { echo "tests: 0 passed, 1 failed"; exit 1; }
.venv/bin/lint-imports --no-cache || { echo "tests: 0 passed, 1 failed"; exit 1; }
echo ">> Kiểm tra tĩnh: mypy strict"
.venv/bin/mypy src || { echo "tests: 0 passed, 1 failed"; exit 1; }
export DESK_TESTING=1
logs=var/test-logs
mkdir -p "$logs" var/test-sqlite var/test-postgres
rm -f "$logs"/*.log

run_sqlite() {
  DESK_DATA_DIR=$PWD/var/test-sqlite \
  DESK_DATABASE_URL="sqlite:///$PWD/var/test-sqlite/desk.sqlite3" \
  DESK_TEST_DATABASE_NAME="$PWD/var/test-sqlite/test-desk.sqlite3" \
    .venv/bin/python -m pytest -p no:cacheprovider "$@" > "$logs/sqlite.log" 2>&1
}
run_postgres() {
  DESK_DATA_DIR=$PWD/var/test-postgres \
  DESK_DATABASE_URL="${DESK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/desk}" \
    .venv/bin/python -m pytest -p no:cacheprovider "$@" > "$logs/postgres.log" 2>&1
}

echo "Đang chạy bộ kiểm thử trên SQLite và PostgreSQL (song song); nhật ký: $logs/"
run_sqlite "$@" & sqlite_pid=$!
run_postgres "$@" & postgres_pid=$!
wait $sqlite_pid; sqlite_status=$?
wait $postgres_pid; postgres_status=$?

echo "=== Bộ kiểm thử trên SQLite (mã thoát $sqlite_status) ==="
cat "$logs/sqlite.log"
echo "=== Bộ kiểm thử trên PostgreSQL (mã thoát $postgres_status) ==="
cat "$logs/postgres.log"

# One closing line for both runs, in the plain "N passed, N failed" form (the last line).
count() {
  local total=0 f n
  for f in "$logs/sqlite.log" "$logs/postgres.log"; do
    n=$(tail -n 5 "$f" 2>/dev/null | grep -oE "[0-9]+ $1" | tail -n 1 | cut -d" " -f1)
    total=$(( total + ${n:-0} ))
  done
  echo $total
}
passed=$(count passed); failed=$(( $(count failed) + $(count error) ))
if [ $sqlite_status -ne 0 ] || [ $postgres_status -ne 0 ]; then
  echo "KẾT QUẢ: CÓ LỖI (SQLite: mã $sqlite_status, PostgreSQL: mã $postgres_status)"
  [ "$failed" -gt 0 ] || failed=1
  echo "tests: $passed passed, $failed failed"
  exit 1
fi
echo "KẾT QUẢ: ĐẠT trên cả SQLite và PostgreSQL"
echo "tests: $passed passed, $failed failed"
