#!/usr/bin/env bash
# Quick start (1/2): set everything up and run the desk on the embedded default
# (SQLite + local files + background worker) with the demo organisation.
# With Dovecot and Postfix installed (scripts/setup.sh) and run as root, the agency's mail
# servers start on loopback too and the demo personas get demo mail (docs/mail.md); otherwise
# the desk runs without Thư điện tử, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DESK_DATA_DIR=${DESK_DATA_DIR:-$PWD/var}
mkdir -p "$DESK_DATA_DIR"
mail_env="$DESK_DATA_DIR/mail.env"
.venv/bin/python scripts/mailservers.py "$mail_env" &
mail_pid=$!
trap 'kill "$mail_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  [ -f "$mail_env" ] && break
  kill -0 "$mail_pid" 2>/dev/null || break
  sleep 0.5
done
if [ -f "$mail_env" ]; then
  # shellcheck disable=SC1090
  source "$mail_env"
else
  echo "Thư điện tử: không có máy chủ thư, bản chạy thử không có mục Thư điện tử." >&2
fi
.venv/bin/desk migrate --noinput -v 0
.venv/bin/desk collectstatic --noinput -v 0
.venv/bin/desk demo
.venv/bin/desk serve
