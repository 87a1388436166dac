#!/usr/bin/env bash
# Restore drill (docs/deployment.md, "Backups and the restore drill"): restore a PostgreSQL base
# backup plus its archived WAL into a scratch server on this machine, point the desk at it and
# at the S3 replica, and check that what came back is whole:
#   1. PostgreSQL recovers to the end of the archive (or --target-time) and is promoted;
#   2. `desk migrate --check`: the schema is the one this release expects;
#   3. `desk audit-verify`: the audit log's hash chain is unbroken from the first row to the last;
#   4. deploy/restore_check.py: every stored file is in the bucket with the SHA-256 the database
#      recorded, and every signed PDF still verifies (intact, valid, chaining to a trusted root);
#   5. `desk search-reindex`: a machine's search index can be rebuilt from the restored tables.
# The scratch server and its directory are removed at the end (--keep keeps them).
#
#   deploy/restore-drill.sh --basebackup DIR --wal-archive DIR [--target-time TIME]
#                           [--database NAME] [--env FILE] [--sample N] [--keep]
#
# DIR of --basebackup is what `pg_basebackup -D DIR -Ft -z -X none` (base.tar.gz) or `-Fp` wrote.
# --env FILE: environment of the drill's desk (S3 replica endpoint and read-only key, secret key;
# see deploy/desk.env.example); DESK_DATABASE_URL and DESK_DATA_DIR are set by this script.
# Run it as root (the server runs as the `postgres` user) or as `postgres`, from a release
# checkout with its .venv (DESK_PYTHON overrides the interpreter).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${DESK_PYTHON:-.venv/bin/python}
PG_BIN=${DESK_DRILL_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
BASE="" ARCHIVE="" TARGET="" DBNAME=desk ENVFILE="" SAMPLE="" KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --basebackup) BASE=$(realpath "$2"); shift 2 ;;
    --wal-archive) ARCHIVE=$(realpath "$2"); shift 2 ;;
    --target-time) TARGET=$2; shift 2 ;;
    --database) DBNAME=$2; shift 2 ;;
    --env) ENVFILE=$(realpath "$2"); shift 2 ;;
    --sample) SAMPLE=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "Tham số không hợp lệ: $1 (xem đầu tệp $0)"; exit 2 ;;
  esac
done
[ -n "$BASE" ] && [ -n "$ARCHIVE" ] || { echo "Cần --basebackup và --wal-archive."; exit 2; }

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
SCRATCH=$(mktemp -d -t desk-restore-drill.XXXXXX)
PGDATA=$SCRATCH/pgdata
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
mkdir -p "$PGDATA" "$SCRATCH/run" "$SCRATCH/desk"
chmod 700 "$PGDATA"
[ "$(id -u)" != 0 ] || chown -R postgres:postgres "$SCRATCH/pgdata" "$SCRATCH/run"
chmod 755 "$SCRATCH"
started=0
finish() {
  local status=$?
  if [ $started = 1 ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ $KEEP = 1 ]; then echo "Giữ lại $SCRATCH"; else rm -rf "$SCRATCH"; fi
  exit $status
}
trap finish EXIT INT TERM

step() { echo "== $*"; }
failures=()
check() {  # name command...
  local name=$1; shift
  if "$@"; then echo "   ĐẠT: $name"; else echo "   KHÔNG ĐẠT: $name"; failures+=("$name"); fi
}

step "1. Khôi phục bản sao cơ sở từ $BASE và WAL từ $ARCHIVE"
if [ -f "$BASE/base.tar.gz" ]; then
  as_pg tar -xzf "$BASE/base.tar.gz" -C "$PGDATA"
elif [ -f "$BASE/base.tar" ]; then
  as_pg tar -xf "$BASE/base.tar" -C "$PGDATA"
else
  as_pg cp -a "$BASE/." "$PGDATA/"
fi
# The drill server is private to this machine: loopback only, a random port, its own socket.
as_pg tee "$PGDATA/pg_hba.conf" >/dev/null <<HBA
local all all trust
host all all 127.0.0.1/32 trust
HBA
as_pg tee -a "$PGDATA/postgresql.auto.conf" >/dev/null <<CONF
restore_command = 'cp "$ARCHIVE/%f" "%p"'
recovery_target_action = 'promote'
archive_mode = 'off'
${TARGET:+recovery_target_time = '$TARGET'}
CONF
as_pg touch "$PGDATA/recovery.signal"
as_pg rm -f "$PGDATA/postmaster.pid" "$PGDATA/standby.signal"
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$SCRATCH/run/postgres.log" -w -t 3600 start \
  -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$SCRATCH/run" >/dev/null
started=1
for _ in $(seq 1 3600); do
  state=$(psql -Atq "postgres://postgres@127.0.0.1:$PORT/postgres" \
    -c "SELECT pg_is_in_recovery()" 2>/dev/null || true)
  [ "$state" = f ] && break
  sleep 1
done
if [ "$state" != f ]; then
  echo "PostgreSQL chưa kết thúc phục hồi; xem $SCRATCH/run/postgres.log"; exit 1
fi
replayed=$(grep -c "restored log file" "$SCRATCH/run/postgres.log" || true)
echo "   Phục hồi xong, đã áp dụng $replayed tệp WAL từ kho lưu trữ"

if [ -n "$ENVFILE" ]; then set -a; . "$ENVFILE"; set +a; fi
export PYTHONPATH=${PYTHONPATH:-}${PYTHONPATH:+:}$PWD/src
export DJANGO_SETTINGS_MODULE=digitaldesk.config.settings
export DESK_DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/$DBNAME" DESK_DATA_DIR="$SCRATCH/desk"
unset DESK_SEARCH_INDEX_DIR DESK_MEDIA_DIR DESK_TESTING
desk() { "$PY" -m digitaldesk.manage "$@"; }

step "2. Lược đồ cơ sở dữ liệu khớp với phiên bản đang triển khai"
check "desk migrate --check" desk migrate --check
step "3. Chuỗi băm nhật ký kiểm toán"
check "desk audit-verify" desk audit-verify
step "4. Tệp trong kho S3 và chữ ký số"
check "restore_check.py" "$PY" deploy/restore_check.py ${SAMPLE:+--sample "$SAMPLE"}
step "5. Dựng lại chỉ mục tìm kiếm của một máy từ bảng đã khôi phục"
check "desk search-reindex" desk search-reindex

if [ ${#failures[@]} -gt 0 ]; then
  echo "DIỄN TẬP KHÔI PHỤC: KHÔNG ĐẠT (${failures[*]})"
  exit 1
fi
echo "DIỄN TẬP KHÔI PHỤC: ĐẠT"
