#!/usr/bin/env bash
# Try the production topology on this one machine (docs/deployment.md, "Tried on one machine"):
# one S3 store (SeaweedFS), one PostgreSQL database, two web processes (gunicorn, as
# desk-web@.service runs it) and two job workers (`desk worker`, as desk-worker@.service runs
# it), each with its own data directory (DESK_DATA_DIR: its own search index, static files,
# temporary files). Then a clerk logs in on web 1, registers a document with a PDF, sees it
# (and its file, and a search hit) from web 2, and a worker processes the document's job.
# The database is a private PostgreSQL cluster started by this script with WAL archiving, as
# the production primary runs; after the scenario an online base backup is taken, and
# deploy/restore-drill.sh restores backup + archived WAL into a second scratch cluster and checks
# the audit chain, the files and the signatures; then one signed file is altered in S3 and the
# drill must fail. Everything is stopped and removed at the end (DESK_TRY_KEEP=1 keeps the
# directory). Run as root (PostgreSQL runs as the `postgres` user) or as `postgres`.
#
#   bash deploy/try-local.sh
#
# DESK_PYTHON (default .venv/bin/python), DESK_TRY_REDIS_URL (optional shared cache, as
# DESK_REDIS_URL in production), DESK_TRY_DRILL=0 (skip the backup and the drills).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${DESK_PYTHON:-.venv/bin/python}
PG_BIN=${DESK_DRILL_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
WEED=$(command -v weed || echo "$(dirname "$PY")/weed")
ROOT=$(mktemp -d -t desk-try-local.XXXXXX)
chmod 755 "$ROOT"
mkdir -p "$ROOT/shared" "$ROOT/weed/data" "$ROOT/logs" "$ROOT/pg/data" "$ROOT/pg/wal-archive" \
  "$ROOT/pg/basebackup"
chmod 700 "$ROOT/pg/data"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" != 0 ] || chown -R postgres:postgres "$ROOT/pg" "$ROOT/logs"
pids=()
pg_started=0

stop_all() {
  local status=$?
  echo "== Dừng các tiến trình"
  stop_desk
  # The S3 test server's data is thrown away: no need to wait for a clean stop.
  if [ -n "${weed_pid:-}" ]; then
    kill -KILL "$weed_pid" 2>/dev/null || true
    wait "$weed_pid" 2>/dev/null || true
  fi
  if [ $pg_started = 1 ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$ROOT/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ "${DESK_TRY_KEEP:-0}" = 1 ]; then echo "Giữ lại thư mục $ROOT"; else rm -rf "$ROOT"; fi
  exit $status
}
trap stop_all EXIT INT TERM
stop_desk() {  # web and worker processes: SIGTERM (what systemd sends), then wait for them
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "   tiến trình $pid không dừng sau 60 giây"; kill -KILL "$pid"
    fi
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_http() {  # url what
  for _ in $(seq 1 120); do
    if "$PY" -c "import httpx, sys; sys.exit(httpx.get('$1', timeout=2).status_code >= 500)" \
      2>/dev/null
    then return 0; fi
    sleep 1
  done
  echo "$2 không khởi động được"; return 1
}

echo "== Thư mục thử: $ROOT"
# --- S3: one SeaweedFS server (master, volume, filer, S3 gateway) on loopback --------------
S3_ACCESS=desk-try S3_SECRET=$(openssl rand -hex 20) S3_BUCKET=desk
printf '{"identities":[{"name":"desk","credentials":[{"accessKey":"%s","secretKey":"%s"}],'\
'"actions":["Admin","Read","Write","List","Tagging"]}]}' "$S3_ACCESS" "$S3_SECRET" \
  > "$ROOT/weed/s3.json"
declare -A P
declare -a worker_pid
for name in master master_grpc volume volume_grpc filer filer_grpc s3 s3_grpc web1 web2 pg; do
  P[$name]=$(free_port)
done
"$WEED" server -dir="$ROOT/weed/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
  -master.port="${P[master]}" -master.port.grpc="${P[master_grpc]}" \
  -volume.port="${P[volume]}" -volume.port.grpc="${P[volume_grpc]}" -volume.max=4 \
  -master.volumeSizeLimitMB=64 \
  -filer -filer.port="${P[filer]}" -filer.port.grpc="${P[filer_grpc]}" \
  -s3 -s3.port="${P[s3]}" -s3.port.grpc="${P[s3_grpc]}" -s3.port.iceberg=0 -s3.port.lance=0 \
  -s3.config="$ROOT/weed/s3.json" -s3.autoCreateBucket=false > "$ROOT/logs/weed.log" 2>&1 &
weed_pid=$!
S3_URL="http://127.0.0.1:${P[s3]}"
PG=postgres://postgres@127.0.0.1:${P[pg]}
DB=desk
"$PY" - "$S3_URL" "$S3_ACCESS" "$S3_SECRET" "$S3_BUCKET" <<'PYEOF'
import sys, time
import boto3
from botocore.config import Config
url, key, secret, bucket = sys.argv[1:]
client = boto3.client("s3", endpoint_url=url, aws_access_key_id=key, aws_secret_access_key=secret,
                      region_name="us-east-1", config=Config(s3={"addressing_style": "path"},
                      retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10))
for _ in range(240):
    try:
        client.create_bucket(Bucket=bucket)
        break
    except Exception:
        time.sleep(0.5)
else:
    sys.exit("Không tạo được bucket S3")
PYEOF
echo "== S3 (SeaweedFS) sẵn sàng tại $S3_URL, bucket «$S3_BUCKET»"

# --- The environment every machine shares (deploy/desk.env.example) -------------------------
openssl rand -hex 32 > "$ROOT/shared/secret_key"
openssl genrsa -out "$ROOT/shared/oidc.pem" 2048 2>/dev/null
printf '%s' "$S3_SECRET" > "$ROOT/shared/s3_secret"
chmod 600 "$ROOT/shared/"*
export PYTHONPATH=${PYTHONPATH:-}${PYTHONPATH:+:}$PWD/src
export DJANGO_SETTINGS_MODULE=digitaldesk.config.settings
export DESK_DATABASE_URL="$PG/$DB" DESK_REQUIRE_SECRET_KEY=1
export DESK_SECRET_KEY_FILE="$ROOT/shared/secret_key"
export DESK_OIDC_PRIVATE_KEY_FILE="$ROOT/shared/oidc.pem"
export DESK_STORAGE=s3 DESK_S3_ENDPOINT_URL="$S3_URL" DESK_S3_BUCKET="$S3_BUCKET"
export DESK_S3_ACCESS_KEY="$S3_ACCESS" DESK_S3_SECRET_KEY_FILE="$ROOT/shared/s3_secret"
export DESK_ALLOWED_HOSTS=127.0.0.1,localhost DESK_WORKERS=1 DESK_LOG_LEVEL=WARNING
[ -z "${DESK_TRY_REDIS_URL:-}" ] || export DESK_REDIS_URL="$DESK_TRY_REDIS_URL"
unset DESK_TESTING DESK_JOBS_SYNC DESK_MEDIA_DIR DESK_SEARCH_INDEX_DIR

# --- The PostgreSQL primary: WAL archived as in production (docs/deployment.md) --------------
as_pg "$PG_BIN/initdb" -D "$ROOT/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
  > "$ROOT/logs/initdb.log"
as_pg tee -a "$ROOT/pg/data/postgresql.auto.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
port = ${P[pg]}
unix_socket_directories = '$ROOT/pg'
wal_level = replica
archive_mode = on
archive_command = 'test ! -f "$ROOT/pg/wal-archive/%f" && cp "%p" "$ROOT/pg/wal-archive/%f"'
max_wal_senders = 4
CONF
as_pg "$PG_BIN/pg_ctl" -D "$ROOT/pg/data" -l "$ROOT/logs/postgres.log" -w start >/dev/null
pg_started=1
psql -q "$PG/postgres" -c "CREATE DATABASE $DB" >/dev/null
echo "== PostgreSQL riêng (lưu trữ WAL) tại 127.0.0.1:${P[pg]}"

# --- Once per release, from one machine: the database schema and (here) the demo data --------
DESK_DATA_DIR="$ROOT/admin" "$PY" -m digitaldesk.manage migrate --noinput -v 0
DESK_DATA_DIR="$ROOT/admin" "$PY" -m digitaldesk.manage demo > "$ROOT/logs/demo.log" 2>&1
echo "== Cơ sở dữ liệu $DB: đã migrate và nạp tổ chức mẫu"

# --- Two web machines and two worker machines, each with its own data directory -------------
for n in 1 2; do
  port=${P[web$n]}
  export DESK_DATA_DIR="$ROOT/web$n"
  # ExecStartPre and ExecStart of deploy/systemd/desk-web@.service. The unit runs
  # `check --deploy`; on plain-HTTP loopback that refuses exactly the missing TLS (desk.E102)
  # and the default host names (desk.E103), so here the plain check must pass and the
  # deployment check's errors are listed.
  "$PY" -m digitaldesk.manage check --fail-level ERROR > "$ROOT/logs/web$n-check.log" 2>&1
  if [ "$n" = 1 ]; then
    deploy_errors=$("$PY" -m digitaldesk.manage check --deploy --fail-level ERROR 2>&1 |
      grep -oE '\((desk|security)\.E[0-9]+\)' | tr '\n' ' ' || true)
    echo "   check --deploy trên loopback không TLS báo: ${deploy_errors:-không lỗi}"
  fi
  "$PY" -m digitaldesk.manage collectstatic --noinput -v 0
  "$PY" -m gunicorn digitaldesk.config.wsgi:application --bind "127.0.0.1:$port" --workers 2 \
    --threads 4 --timeout 120 --graceful-timeout 30 --access-logfile - \
    > "$ROOT/logs/web$n.log" 2>&1 &
  pids+=($!)
done
for n in 1 2; do
  export DESK_DATA_DIR="$ROOT/worker$n"
  # ExecStart of deploy/systemd/desk-worker@.service:
  "$PY" -m digitaldesk.manage worker > "$ROOT/logs/worker$n.log" 2>&1 &
  pids+=($!)
  worker_pid[$n]=$!
done
for n in 1 2; do wait_http "http://127.0.0.1:${P[web$n]}/healthz" "web $n"; done
echo "== web 1 :${P[web1]}, web 2 :${P[web2]}, worker 1 và worker 2 đang chạy"
for n in 1 2; do
  "$PY" -c "import httpx, json; health = httpx.get('http://127.0.0.1:${P[web$n]}/healthz').json()
print('   web $n /healthz:', json.dumps(health, ensure_ascii=False)[:200])"
done

# --- The user's side -------------------------------------------------------------------------
DESK_DATA_DIR="$ROOT/client" "$PY" deploy/try_local_client.py \
  "http://127.0.0.1:${P[web1]}" "http://127.0.0.1:${P[web2]}" "$ROOT/web2" \
  | tee "$ROOT/logs/client.log"
# Which worker machine ran the job: the job records "host:pid" of the process that ran it.
job_pid=$(grep -oE '«[^»]*:[0-9]+»' "$ROOT/logs/client.log" | tail -1 | grep -oE '[0-9]+')
owner=""
p=$job_pid
while [ -n "$p" ] && [ "$p" -gt 1 ]; do
  for n in 1 2; do [ "$p" = "${worker_pid[$n]}" ] && owner=$n; done
  [ -z "$owner" ] || break
  p=$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ' || true)
done
if [ -n "$owner" ]; then
  echo "   tiến trình $job_pid thuộc worker $owner (DESK_DATA_DIR=$ROOT/worker$owner)"
else
  echo "   tiến trình $job_pid không còn chạy (django-q thay tiến trình xử lý sau một số việc)"
fi
"$PY" - "$S3_URL" "$S3_ACCESS" "$S3_SECRET" "$S3_BUCKET" <<'PYEOF'
import sys
import boto3
from botocore.config import Config
url, key, secret, bucket = sys.argv[1:]
client = boto3.client("s3", endpoint_url=url, aws_access_key_id=key, aws_secret_access_key=secret,
                      region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
items = client.list_objects_v2(Bucket=bucket).get("Contents", [])
print(f"== Bucket S3 «{bucket}»: {len(items)} đối tượng, {sum(i['Size'] for i in items)} byte")
PYEOF
for d in web1 web2 worker1 worker2; do
  echo "   thư mục dữ liệu $d: $(find "$ROOT/$d" -maxdepth 1 -mindepth 1 -printf '%f ' 2>/dev/null)"
done

[ "${DESK_TRY_DRILL:-1}" = 1 ] || exit 0
# --- Backup: an online base backup while the desk runs, WAL archived continuously ----------
as_pg "$PG_BIN/pg_basebackup" -d "$PG/postgres" -D "$ROOT/pg/basebackup" -Ft -z -X none \
  --checkpoint=fast
echo "== pg_basebackup trực tuyến xong: $(du -sh "$ROOT/pg/basebackup" | cut -f1)"
# Work after the backup reaches the restore only through the archived WAL: one more audited
# login on web 2, then stop the desk and close and archive the last WAL segment.
audit_at_backup=$(psql -Atq "$PG/$DB" -c "SELECT count(*) FROM audit_auditevent")
DESK_DATA_DIR="$ROOT/client" "$PY" deploy/try_local_client.py --login "http://127.0.0.1:${P[web2]}"
stop_desk
echo "== Đã dừng web và worker"
audit_rows=$(psql -Atq "$PG/$DB" -c "SELECT count(*) FROM audit_auditevent")
if [ "$audit_rows" -le "$audit_at_backup" ]; then
  echo "Không có bản ghi kiểm toán nào sau bản sao cơ sở"; exit 1
fi
last_wal=$(psql -Atq "$PG/$DB" -c "SELECT pg_walfile_name(pg_switch_wal())")
for _ in $(seq 1 60); do
  [ -f "$ROOT/pg/wal-archive/$last_wal" ] && break
  sleep 1
done
echo "   nhật ký kiểm toán trên máy chính: $audit_rows bản ghi; WAL cuối $last_wal đã lưu trữ"
signed_key=$(psql -Atq "$PG/$DB" -c "SELECT f.file FROM documents_outgoingdocument d
  JOIN documents_storedfile f ON f.id = d.signed_file_id ORDER BY d.id LIMIT 1")

cat > "$ROOT/shared/drill.env" <<ENV
DESK_SECRET_KEY_FILE=$ROOT/shared/secret_key
DESK_STORAGE=s3
DESK_S3_ENDPOINT_URL=$S3_URL
DESK_S3_BUCKET=$S3_BUCKET
DESK_S3_ACCESS_KEY=$S3_ACCESS
DESK_S3_SECRET_KEY_FILE=$ROOT/shared/s3_secret
DESK_LOG_LEVEL=WARNING
ENV
echo "== Diễn tập khôi phục (deploy/restore-drill.sh)"
bash deploy/restore-drill.sh --basebackup "$ROOT/pg/basebackup" \
  --wal-archive "$ROOT/pg/wal-archive" \
  --database "$DB" --env "$ROOT/shared/drill.env" 2>&1 | tee "$ROOT/logs/drill.log"
grep -q "DIỄN TẬP KHÔI PHỤC: ĐẠT" "$ROOT/logs/drill.log"
grep -q "Nhật ký toàn vẹn: $audit_rows bản ghi" "$ROOT/logs/drill.log" ||
  { echo "Số bản ghi kiểm toán sau khôi phục khác máy chính ($audit_rows)"; exit 1; }
echo "   bản khôi phục có đủ $audit_rows bản ghi kiểm toán," \
  "kể cả $((audit_rows - audit_at_backup)) bản ghi ghi sau bản sao cơ sở (chỉ có trong WAL)"

[ -n "$signed_key" ] || { echo "Dữ liệu mẫu không có văn bản đã ký số"; exit 1; }
echo "== Diễn tập lần 2, sau khi sửa 1 byte của tệp đã ký $signed_key trong S3 (phải KHÔNG ĐẠT)"
"$PY" - "$S3_URL" "$S3_ACCESS" "$S3_SECRET" "$S3_BUCKET" "$signed_key" <<'PYEOF'
import sys
import boto3
from botocore.config import Config
url, key, secret, bucket, name = sys.argv[1:]
client = boto3.client("s3", endpoint_url=url, aws_access_key_id=key, aws_secret_access_key=secret,
                      region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
data = bytearray(client.get_object(Bucket=bucket, Key=name)["Body"].read())
where = len(data) // 3  # a byte in the middle of the file
data[where] ^= 0x01
client.put_object(Bucket=bucket, Key=name, Body=bytes(data))
PYEOF
if bash deploy/restore-drill.sh --basebackup "$ROOT/pg/basebackup" \
  --wal-archive "$ROOT/pg/wal-archive" \
  --database "$DB" --env "$ROOT/shared/drill.env" > "$ROOT/logs/drill-tampered.log" 2>&1; then
  echo "Diễn tập không phát hiện tệp bị sửa"; exit 1
fi
grep -E "KHÔNG ĐẠT|hỏng|sai SHA|  - " "$ROOT/logs/drill-tampered.log" | sed 's/^/   /'
echo "THỬ TRIỂN KHAI TRÊN MỘT MÁY: ĐẠT"
