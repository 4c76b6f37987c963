#!/usr/bin/env bash
# Scenarios 4 and 5 of bench/run.sh (which builds, generates the catalog and the approved base store, then
# execs this with: wsusd, bin, data, catalog, revisions, shared in the environment).
#   sync     a DSS full sync from a USS on loopback: wall time (target ≤ 60 s for 50,000 revisions), both RSS
#   content  /Content/ GET throughput of wsusd vs nginx serving the same files on loopback (target ≥ 90 %)
# Tools it needs (installed with apt-get when missing): time, sqlite3; for content also nginx-light and wrk.
set -euo pipefail
name=$1
shift

need=(time sqlite3)
[ "$name" = content ] && need+=(nginx-light wrk)
missing=()
for p in "${need[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# start_wsusd DIR [wsusd serve arguments...]: starts a daemon on free loopback ports, waits for ports.json, prints its
# pid. It runs in a command substitution (a subshell): the caller adds the pid to `pids` so that cleanup stops it.
start_wsusd() {
  local dir=$1; shift
  rm -f "$dir/ports.json"
  "$wsusd" serve --data-dir "$dir" --http-port 0 --https-port 0 --admin-port 0 --bind 127.0.0.1 "$@" \
      >"$dir/wsusd.log" 2>&1 &
  local p=$!
  for _ in $(seq 400); do
    [ -f "$dir/ports.json" ] && grep -q "\"pid\": *$p\b" "$dir/ports.json" && { echo "$p"; return; }
    kill -0 "$p" 2>/dev/null || { cat "$dir/wsusd.log" >&2; exit 1; }
    sleep 0.05
  done
  kill -TERM "$p" 2>/dev/null; echo "wsusd in $dir did not start" >&2; exit 1
}
port_of() { grep -o "\"$2\": *[0-9]*" "$1/ports.json" | grep -o '[0-9]*$'; }
hwm_of() { awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$1/status"; }

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$name" = sync ]; then
  uss=$data/uss dss=$data/dss
  mkdir -p "$uss" "$dss"
  mv "$data/wsusd.db" "$uss/"
  uss_pid=$(start_wsusd "$uss")
  pids+=("$uss_pid")
  cat >"$data/dss.toml" <<EOF
[sync]
upstream_url = "http://127.0.0.1:$(port_of "$uss" http)"
drivers = true
content = "none"
retries = 2
EOF
  echo "== DSS full sync of $revisions revisions from the USS (pid $uss_pid) on loopback"
  start=$(date +%s.%N)
  /usr/bin/time -v "$wsusd" sync now --config "$data/dss.toml" --data-dir "$dss" "$@" \
      >"$data/sync.out" 2>"$data/sync.time" || { cat "$data/sync.out" "$data/sync.time"; exit 1; }
  end=$(date +%s.%N)
  # Superseded old revisions stay on the USS; a downstream gets the latest revision of each update.
  q="SELECT COUNT(*) FROM revision WHERE is_latest = 1"
  up=$(sqlite3 "file:$uss/wsusd.db?mode=ro" "$q") down=$(sqlite3 "file:$dss/wsusd.db?mode=ro" "$q")
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}')
  echo "== sync: $(tail -n 3 "$data/sync.out" | tr '\n' ' ')"
  echo "== revisions: USS $up, DSS $down; wall $secs s ($(awk -v n="$down" -v s="$secs" 'BEGIN {printf "%.0f", n / s}') revisions/s)"
  echo "== DSS peak RSS $(awk -F': ' '/Maximum resident/ {printf "%.0f MB", $2 / 1024}' "$data/sync.time"), CPU" \
       "$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u + s " s"}' "$data/sync.time");" \
       "USS peak RSS $(hwm_of "$uss_pid")"
  [ "$up" = "$down" ] || { echo "the DSS holds $down revisions, the USS $up" >&2; exit 1; }
  exit 0
fi

# content: a smaller catalog whose files are written out (50,000 revisions of files would be tens of GB); the
# generator's size mix is 90 % below 128 KiB, 9.5 % up to 2 MiB, 0.5 % up to 16 MiB.
files_revisions=${CONTENT_REVISIONS:-2000}
src=$(dirname "$catalog")/content-catalog-$files_revisions
if [ ! -f "$src/.complete" ]; then
  rm -rf "$src"
  "$wsusd" catalog generate --revisions "$files_revisions" --seed 2 \
      --templates "$shared/captures/wsus-m0-wsusss/docs" "$src/docs" --write-content "$src/files"
  touch "$src/.complete"
fi
rm -f "$data/wsusd.db"
"$wsusd" catalog import "$src/docs" --data-dir "$data" --quiet >/dev/null
echo "data_dir = \"$data\"" >"$data/wsusd.toml"
"$wsusd" content import "$src/files" --config "$data/wsusd.toml" --quiet >/dev/null
pid=$(start_wsusd "$data")
pids+=("$pid")
(cd "$data/content" && find . -type f ! -name '*.part' | sed 's|^\./|/Content/|') >"$data/paths.txt"
nfiles=$(wc -l <"$data/paths.txt")
bytes=$(du -sb "$data/content" | cut -f1)

nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$data/nginx"
# Started as root, nginx's workers would drop to nobody and could not read the data directory (0700).
cat >"$data/nginx/nginx.conf" <<EOF
user $(id -un);
worker_processes 1;
daemon off;
pid $data/nginx/nginx.pid;
error_log $data/nginx/error.log;
events { worker_connections 1024; }
http {
  # One access-log line per request, as wsusd writes (nginx's default too): both servers do the same work.
  access_log $data/nginx/access.log;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  types { application/vnd.ms-cab-compressed cab; application/octet-stream exe msu psf; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$nginx_port;
    location /Content/ { alias $data/content/; }
  }
}
EOF
nginx -c "$data/nginx/nginx.conf" -p "$data/nginx" &
pids+=($!)
sleep 0.5

cat >"$data/paths.lua" <<'EOF'
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local i = math.random(#paths)
local range = os.getenv("RANGE")
request = function()
  i = i % #paths + 1
  if range and range ~= "" then return wrk.format("GET", paths[i], { Range = range }) end
  return wrk.format("GET", paths[i])
end
EOF
duration=${DURATION:-15}
# wrk_rps URL RANGE: requests/s and transfer/s of one wrk run (2 threads, 32 connections).
wrk_run() {
  PATHS="$data/paths.txt" RANGE="$2" wrk -t2 -c32 -d"${duration}s" -s "$data/paths.lua" "$1" 2>&1 |
    awk '/Requests\/sec/ {r=$2} /Transfer\/sec/ {t=$2} /Non-2xx/ {e=$NF} END {printf "%s %s %s", r, t, (e ? e : 0)}'
}
# Warm-up, not measured: every file read once by both (page cache), and wsusd's one hash per file (the verdict it
# keeps until the file changes) done, so that the phases compare steady states.
wrk_run "http://127.0.0.1:$(port_of "$data" http)" "" >/dev/null
wrk_run "http://127.0.0.1:$nginx_port" "" >/dev/null
echo "== $nfiles files, $((bytes / 1048576)) MB, served by wsusd (pid $pid) and nginx on loopback, ${duration} s each"
printf "%-28s %14s %12s %10s\n" phase "requests/s" "transfer/s" "non-2xx"
for phase in "whole files" "range 0-65535"; do
  range=""; [ "$phase" = "whole files" ] || range="bytes=0-65535"
  read -r wr wt we <<<"$(wrk_run "http://127.0.0.1:$(port_of "$data" http)" "$range")"
  read -r nr nt ne <<<"$(wrk_run "http://127.0.0.1:$nginx_port" "$range")"
  printf "%-28s %14s %12s %10s\n" "wsusd: $phase" "$wr" "$wt" "$we" "nginx: $phase" "$nr" "$nt" "$ne"
  echo "   ratio wsusd/nginx: $(awk -v a="$wr" -v b="$nr" 'BEGIN {printf "%.2f", a / b}')"
done
echo "== wsusd peak RSS $(hwm_of "$pid")"
