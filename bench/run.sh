#!/usr/bin/env bash
# One command per benchmark scenario (see bench/README.md):
#   bench/run.sh 1 | differential   up-to-date clients' differential scans vs. the static baseline (target ≤ 2×)
#   bench/run.sh 2 | first-scan     new clients' first scans: trips (≤ 10), bytes, server time (≤ 250 ms)
#   bench/run.sh 3 | daily          100,000 registered clients' day in 10 minutes (0 errors, p99 ≤ 100 ms)
#   bench/run.sh 4 | sync           a DSS full sync of the catalog from a USS on loopback (≤ 60 s)
#   bench/run.sh 5 | content        /Content/ GET throughput vs nginx on the same files (≥ 90 %)
#   bench/run.sh 6 | footprint      store size and daemon RSS with many computers (RSS ≤ 512 MB)
#   bench/run.sh smoke              a few seconds on a 300-revision catalog, correctness only
# Extra arguments go to wsus-fleet (e.g. `bench/run.sh 3 --registered 5000 --duration 120`).
# Environment: BUILD_DIR (default build-bench), WSUSD_BENCH_DIR (work files, default /tmp/wsusd-bench),
# REVISIONS (catalog size, default 50000), COMPUTERS (registered computers; scenario default otherwise),
# DURATION (scenario 3's window in seconds, default 600), BASELINE=1 (scenario 3 with its static replay),
# WSUSD_CONFIG (a wsusd.toml for the daemon, e.g. another client.sync_page_size), PERF=1 (perf record the
# daemon during the run into the run folder, when perf works on this machine).
# Every phase is bounded by --max-time; the daemon is stopped when the script exits, whatever happens.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=$(cd "$root/../shared" 2>/dev/null && pwd || true)
build=${BUILD_DIR:-$root/build-bench}
work=${WSUSD_BENCH_DIR:-/tmp/wsusd-bench}
scenario=${1:-}
[ -n "$scenario" ] || { sed -n '2,16p' "$0"; exit 2; }
shift

# Scenario defaults; COMPUTERS/REVISIONS override.
revisions=${REVISIONS:-50000}
groups=4 approve=2000 per_group=50 drivers=20
# Smaller catalogs (REVISIONS=2000 for a quick run) get proportionally fewer approvals.
if [ "$revisions" -lt 50000 ]; then approve=$((revisions / 25)) per_group=$((revisions / 1000 + 1)); fi
baseline=1
case "$scenario" in
  1|differential) name=differential; computers=${COMPUTERS:-64}
    fleet=(--registered 16 --cycle diff --loop --duration 20 --max-time 120 --concurrency 16 --check) ;;
  2|first-scan) name=first-scan; computers=${COMPUTERS:-0}
    fleet=(--new 20 --concurrency 1 --max-time 300 --diff-scans 1 --check) ;;
  3|daily) name=daily; computers=${COMPUTERS:-100000}
    # The daily cycle of 100,000 registered clients plus 1% new ones, compressed into 10 minutes (issue #6).
    # Its targets are absolute (0 errors, p99), so the baseline replay (another 10 minutes) only runs with BASELINE=1.
    baseline=${BASELINE:-0}
    fleet=(--registered "$computers" --new $((computers / 100)) --cycle daily --arrival uniform
           --duration "${DURATION:-600}" --concurrency 256 --max-time $(( ${DURATION:-600} + 120 )) --check) ;;
  4|sync) name=sync; computers=0; baseline=0 ;;
  5|content) name=content; computers=0; baseline=0 ;;
  6|footprint) name=footprint; computers=${COMPUTERS:-100000}
    # Many registered computers; 3% of them (and a few new ones) scan within a minute, then RSS and store size.
    baseline=0
    fleet=(--registered $((computers * 3 / 100)) --new 30 --cycle daily --arrival uniform --duration 60
           --concurrency 128 --max-time 240 --check) ;;
  smoke) name=smoke; revisions=${REVISIONS:-300}; computers=${COMPUTERS:-20}
    groups=2 approve=30 per_group=5 drivers=5
    fleet=(--registered 10 --new 5 --concurrency 4 --max-time 60 --check) ;;
  *) echo "unknown scenario '$scenario' (1, 2, 3, 4, 5, 6, smoke)"; exit 2 ;;
esac

echo "== building (${build})"
[ -f "$build/build.ninja" ] || cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j2 wsusd wsus-fleet wsus-fleet-setup wsus-static-server >/dev/null
wsusd=$build/src/app/wsusd
bin=$build/bench

mkdir -p "$work"
catalog=$work/catalog-$revisions
if [ ! -f "$catalog/.complete" ]; then
  echo "== generating a $revisions-revision synthetic catalog in $catalog"
  rm -rf "$catalog"
  "$wsusd" catalog generate --revisions "$revisions" --seed 1 \
      --templates "$shared/captures/wsus-m0-wsusss/docs" "$catalog"
  touch "$catalog/.complete"
fi
# The imported and approved store is built once and copied for every run, so each run starts from the
# same state (no computers or sync times left over by an earlier run).
base=$work/base-$revisions-g$groups-a$approve-p$per_group-d$drivers
if [ ! -f "$base/.complete" ]; then
  echo "== importing the catalog and approving updates into $base"
  rm -rf "$base"
  "$bin/wsus-fleet-setup" --data-dir "$base" --import "$catalog" --groups $groups --approve $approve \
      --approve-per-group $per_group --approve-drivers $drivers --manifest "$base/manifest.json"
  touch "$base/.complete"
fi
data=$work/run-$name
rm -rf "$data"
mkdir -p "$data"
cp "$base/wsusd.db" "$data/"

# Scenarios 4 and 5 drive wsusd with other clients than the fleet: bench/sync_content.sh.
if [ "$name" = sync ] || [ "$name" = content ]; then
  export wsusd bin data catalog revisions shared
  exec "$here/sync_content.sh" "$name" "$@"
fi
echo "== registering $computers computers"
# Registered computers scanned yesterday: each holds the (expired) cookie of that scan, which the agent names in
# GetCookie's oldCookie, so that its daily scan is differential (MS-WUSP: the server copies the old cookie's state).
"$bin/wsus-fleet-setup" --data-dir "$data" --groups $groups --approve $approve --approve-per-group $per_group \
    --approve-drivers $drivers --computers "$computers" --manifest "$data/manifest.json" \
    --cookies "$data/old-cookies.txt" 2>"$data/setup.log" ||
  { cat "$data/setup.log"; exit 1; }
grep -E '^(registered|unassigned|ring:0)' "$data/setup.log" || true

pid=
stop() { if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi; }
trap stop EXIT
config=()
[ -z "${WSUSD_CONFIG:-}" ] || config=(--config "$WSUSD_CONFIG")
"$wsusd" serve "${config[@]}" --data-dir "$data" --http-port 0 --https-port 0 --admin-port 0 --bind 127.0.0.1 \
    >"$data/wsusd.log" 2>&1 &
pid=$!
for _ in $(seq 200); do
  [ -f "$data/ports.json" ] && grep -q "\"pid\": *$pid\b" "$data/ports.json" && break
  kill -0 "$pid" 2>/dev/null || { cat "$data/wsusd.log"; exit 1; }
  sleep 0.05
done
echo "== wsusd $pid: $(grep -o '"http": *[0-9]*' "$data/ports.json"); idle RSS $(awk '/VmRSS/ {print $2 " " $3}' /proc/$pid/status)"
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

perf_pid=
if [ "${PERF:-0}" = 1 ]; then
  perf record -F 499 -g -p "$pid" -o "$data/perf.data" >"$data/perf.log" 2>&1 &
  perf_pid=$!
fi
static=()
[ "$baseline" = 0 ] || static=(--static-server "$bin/wsus-static-server")
status=0
"$bin/wsus-fleet" --ports "$data/ports.json" --manifest "$data/manifest.json" --label "$name" \
    --old-cookies "$data/old-cookies.txt" "${static[@]}" --work-dir "$data" --json "$data/report.json" "${fleet[@]}" \
    "$@" || status=$?
if [ -n "$perf_pid" ]; then
  kill -INT "$perf_pid"; wait "$perf_pid" || true
  echo "== profile: perf report -i $data/perf.data --no-children --sort symbol"
fi

if [ "$name" = footprint ] || [ "$name" = daily ]; then
  echo "== daemon: $(grep -E 'VmHWM|VmRSS' /proc/$pid/status | tr -s ' \n' ' ')"
fi
stop
pid=
echo "== store: $(du -b "$data"/wsusd.db* | awk '{s += $1} END {printf "%.1f MB", s / 1048576}') ($(ls "$data"/wsusd.db*  | xargs -n1 basename | tr '\n' ' '))"
echo "== report: $data/report.json; daemon log: $data/wsusd.log"
exit $status
