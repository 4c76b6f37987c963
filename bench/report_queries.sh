#!/usr/bin/env bash
# Report queries at scale (issue: reporting): a store with COMPUTERS computers (default 100,000) × UPDATES updates
# (default 1,000) of installation status — 100 million update_status rows by default, written straight into the
# store file with SQLite's generate_series — then the admin API's reports against a running wsusd, each timed, with
# the daemon's peak RSS. One command: bench/report_queries.sh. Needs ~15 GB free under WSUSD_BENCH_DIR.
# Environment: BUILD_DIR (default build-bench), WSUSD_BENCH_DIR (default /tmp/wsusd-bench), COMPUTERS, UPDATES.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=$(cd "$root/../shared" 2>/dev/null && pwd || true)
build=${BUILD_DIR:-$root/build-bench}
work=${WSUSD_BENCH_DIR:-/tmp/wsusd-bench}
computers=${COMPUTERS:-100000}
updates=${UPDATES:-1000}
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 command (apt-get install sqlite3)"; exit 2; }

echo "== building (${build})"
[ -f "$build/build.ninja" ] || cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j2 wsusd >/dev/null
wsusd=$build/src/app/wsusd

mkdir -p "$work"
catalog=$work/catalog-report
if [ ! -f "$catalog/.complete" ]; then
  rm -rf "$catalog"
  "$wsusd" catalog generate --revisions $((updates * 3)) --seed 7 --templates "$shared/captures/wsus-m0-wsusss/docs" "$catalog"
  touch "$catalog/.complete"
fi
data=$work/report-$computers-$updates
if [ ! -f "$data/.complete" ]; then
  rm -rf "$data"
  mkdir -p "$data"
  "$wsusd" catalog import "$catalog" --data-dir "$data" --quiet
  echo "== writing $computers computers × $updates update states into $data/wsusd.db"
  start=$(date +%s)
  now_ms=$(($(date +%s) * 1000))
  # Bulk load: no journal, indexes rebuilt once after the rows (as a restore would), then back to WAL.
  sqlite3 "$data/wsusd.db" <<SQL
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -1000000;
BEGIN;
INSERT INTO target_group (id, name, parent_id, builtin, created_at)
  SELECT printf('00000000-0000-4000-8000-%012d', value), 'Ring ' || value, 'a0a08746-4dbe-4a37-9adf-9e7652c0b421', 0, 0
  FROM generate_series(1, 5);
INSERT INTO computer (id, client_id, dns_name, registered_at, last_sync_at, last_report_at)
  SELECT value, printf('%08x-0000-4000-8000-%012x', value, value), printf('pc%06d.example.test', value), $now_ms,
         $now_ms - (value % 40) * 86400000, $now_ms - (value % 40) * 86400000
  FROM generate_series(1, $computers);
INSERT INTO computer_group (computer_id, group_id)
  SELECT value, printf('00000000-0000-4000-8000-%012d', value % 5 + 1) FROM generate_series(1, $computers);
CREATE TEMP TABLE u AS
  SELECT update_id, row_number() OVER (ORDER BY update_id) AS n FROM revision
  WHERE is_latest = 1 AND update_type = 0 ORDER BY update_id LIMIT $updates;
DROP INDEX IF EXISTS update_status_by_update;
DROP INDEX IF EXISTS update_status_failed;
-- States spread per computer × update: 55 % installed, 20 % not applicable, 15 % needed, 4 % downloaded,
-- 3 % pending reboot, 3 % failed (0x80246007).
INSERT INTO update_status (computer_id, update_id, state, win32_hresult, event_time, changed_at)
  SELECT computer_id, update_id, state, CASE state WHEN 6 THEN -2145099769 ELSE 0 END, $now_ms, $now_ms FROM (
    SELECT computer_id, update_id, CASE WHEN h < 55 THEN 4 WHEN h < 75 THEN 1 WHEN h < 90 THEN 2 WHEN h < 94 THEN 3
                                        WHEN h < 97 THEN 5 ELSE 6 END AS state FROM (
      -- computer outer, update inner in id order: rows arrive in primary-key order, no sort needed
      SELECT c.value AS computer_id, u.update_id, (c.value * 31 + u.n * 17) % 100 AS h
      FROM generate_series(1, $computers) AS c CROSS JOIN u));
CREATE INDEX update_status_by_update ON update_status (update_id, state);
CREATE INDEX update_status_failed ON update_status (computer_id, update_id) WHERE state = 6;
COMMIT;
PRAGMA journal_mode = WAL;
ANALYZE;
SQL
  echo "== store written in $(( $(date +%s) - start )) s: $(du -b "$data/wsusd.db" | awk '{printf "%.1f GB", $1 / 1e9}'), $(sqlite3 "$data/wsusd.db" 'SELECT COUNT(*) FROM update_status') status rows"
  touch "$data/.complete"
fi

token=$data/bench.token
[ -f "$token" ] || "$wsusd" token create bench --data-dir "$data" --write "$token" >/dev/null
rm -f "$data/ports.json"
# No start-up store check: PRAGMA quick_check reads the whole file, over 10 minutes for this 12 GB store from a cold
# page cache on this machine's disk, and the queries are what is measured here (docs/operations.md: large stores).
printf '[store]\nstartup_check = "off"\n' >"$data/bench.toml"
"$wsusd" serve --config "$data/bench.toml" --data-dir "$data" --http-port 0 --https-port 0 --admin-port 0 \
    --bind 127.0.0.1 >"$data/wsusd.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
started=$(date +%s)
for _ in $(seq 600); do
  [ -f "$data/ports.json" ] && grep -q "\"pid\": *$pid\b" "$data/ports.json" && break
  kill -0 "$pid" 2>/dev/null || { cat "$data/wsusd.log"; exit 1; }
  sleep 0.1
done
admin=$(grep -o '"admin": *[0-9]*' "$data/ports.json" | grep -o '[0-9]*$')
cert=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('admin_certificate',''))" "$data/ports.json")
scheme=http; [ -n "$cert" ] && scheme=https
echo "== wsusd $pid ready in $(( $(date +%s) - started )) s, admin $scheme://127.0.0.1:$admin, idle RSS $(awk '/VmRSS/ {print $2 " " $3}' /proc/$pid/status)"
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
auth="Authorization: Bearer $(cat "$token")"
query() {  # name, path: time of the answer, its size, and what the answer holds
  local out=$data/answer.json
  local t
  t=$(curl -sS ${cert:+--cacert "$cert"} -H "$auth" -o "$out" -w '%{http_code} %{time_total} %{size_download}' \
      "$scheme://127.0.0.1:$admin$2")
  printf '%-58s HTTP %s  %6.3f s  %9s bytes\n' "$1" $t
}
update=$(sqlite3 "$data/wsusd.db" 'SELECT update_id FROM u' 2>/dev/null || sqlite3 "$data/wsusd.db" \
         "SELECT update_id FROM update_status WHERE computer_id = 1 ORDER BY update_id LIMIT 1")
client=$(sqlite3 "$data/wsusd.db" "SELECT client_id FROM computer WHERE id = $((computers / 2))")
query "computers report, first page of 500" "/api/v1/reports/computers?limit=500"
query "computers report, stale >= 30 days (walks all computers)" "/api/v1/reports/computers?stale_days=30&limit=1000"
query "one computer with its $updates states" "/api/v1/computers/$client"
query "update status summary, 100 updates, all computers" "/api/v1/reports/updates?approval=any&limit=100"
query "update status summary, 100 updates, one group (1/5)" "/api/v1/reports/updates?approval=any&group=Ring%201&limit=100"
query "one update ($update)" "/api/v1/updates/$update"
query "failed installations, first page of 1000" "/api/v1/reports/failures?limit=1000"
next=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['next'] or '')" "$data/answer.json")
query "failed installations, next page of 1000" "/api/v1/reports/failures?limit=1000&after=$next"
echo "== daemon: $(grep -E 'VmHWM|VmRSS' /proc/$pid/status | tr -s ' \n' ' ')"
