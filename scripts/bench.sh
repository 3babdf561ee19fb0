#!/usr/bin/env bash
# `make bench`: native criterion benches, the worker's upload size, and HTTP benches with wrk against the local
# runtime (wrangler dev) at several site sizes; writes BENCHMARKS.md. Everything runs on 127.0.0.1, bounded.
#
# Knobs (environment): BENCH_POSTS="10 1000 10000"  BENCH_ROUNDS=3  BENCH_DURATION=3s  BENCH_THREADS=2
#                      BENCH_CONNECTIONS=16  BENCH_FIRST_ROUNDS=9  BENCH_STORE_LATENCY_MS=20
#                      BENCH_SKIP_CRITERION=1 (reuse target/criterion)
#                      BENCH_OUT=BENCHMARKS.md
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
POST_COUNTS=${BENCH_POSTS:-"10 1000 10000"}
ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-3s}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
OUT=${BENCH_OUT:-BENCHMARKS.md}
WRANGLER=$ROOT/node_modules/.bin/wrangler
ADMIN_TOKEN=bench-admin-token-0123456789
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false

say() { printf '==> %s\n' "$*" >&2; }

for built in build/index.js build/public; do
  [[ -e $built ]] || { echo "$built is missing: run make build first (make bench does)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "wrk is missing: scripts/install-tools.sh bench" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind is missing: scripts/install-tools.sh bench" >&2; exit 1; }

WORK=$(mktemp -d /tmp/edge-blog-bench.XXXXXX)
RESULTS=$WORK/results
mkdir -p "$RESULTS"
SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    # wrangler runs workerd as a child: stop the whole process group we started.
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
cleanup() { stop_server; [[ -n "${BENCH_KEEP:-}" ]] || rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- the machine -------------------------------------------------------------------------------------------
say "machine"
{
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "cores=$(nproc)"
  echo "memory=$(free -h | awk '/^Mem:/ {print $2}')"
  echo "kernel=$(uname -sr)"
  echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "rustc=$(rustc -V)"
  echo "node=$(node -v)"
  echo "wrangler=$("$WRANGLER" --version 2>/dev/null | tail -1)"
  echo "wrk=$(wrk -v 2>&1 | head -1)"
  echo "commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src templates Cargo.toml || echo ' (with uncommitted changes)')"
  echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "wrk_args=-t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS rounds"
} > "$RESULTS/machine.txt"

# --- native micro-benchmarks ---------------------------------------------------------------------------------
if [[ -z "${BENCH_SKIP_CRITERION:-}" ]]; then
  say "criterion (cargo bench --bench render)"
  rm -rf target/criterion
  cargo bench --quiet --bench render -- --noplot 2>&1 | grep -E '^[a-z_]+/|time:' >&2 || true
fi

# --- instructions per request, at each site size -------------------------------------------------------------
# Time on this shared machine moves by ±20%; an instruction count by about 1%. examples/cost.rs serves each page
# COST_REQUESTS times inside a function of its own; callgrind's inclusive count of it, divided, is one request.
COST_REQUESTS=50
say "instructions per request (valgrind --tool=callgrind, examples/cost.rs)"
cargo build --quiet --release --example cost
for posts in $POST_COUNTS; do
  valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.$posts" target/release/examples/cost "$posts" "$COST_REQUESTS" > /dev/null 2>&1
  callgrind_annotate --inclusive=yes --threshold=100 "$WORK/callgrind.$posts" \
    | sed -n 's/^ *\([0-9,]*\) .*cost::measure_\([a-z0-9_]*\) .*/\2 \1/p' | tr -d , > "$RESULTS/instructions-$posts.txt"
  [[ -s "$RESULTS/instructions-$posts.txt" ]] || { echo "callgrind counted nothing for $posts posts" >&2; exit 1; }
done
echo "cost_requests=$COST_REQUESTS" >> "$RESULTS/machine.txt"

# --- upload size ---------------------------------------------------------------------------------------------
# A config without [build] (the worker was built above) and with absolute paths; assets from a bench-only copy.
write_config() { # $1: file, $2: base URL, $3: assets dir, $4: entry (default: the worker's own)
  python3 - "$ROOT" "$1" "$2" "$3" "${4:-$ROOT/src/edge/entry.mjs}" <<'PY'
import re, sys
root, out, base, assets, entry = sys.argv[1:]
text = open(f"{root}/wrangler.toml").read()
text = re.sub(r'(?ms)^\[build\]\n.*?(?=^\[|\Z)', '', text)
text = re.sub(r'(?m)^main = .*$', f'main = "{entry}"', text)
text = re.sub(r'(?m)^directory = .*$', f'directory = "{assets}"', text)
text = re.sub(r'(?m)^migrations_dir = .*$', f'migrations_dir = "{root}/migrations"', text)
text = re.sub(r'(?m)^SITE_URL = .*$', f'SITE_URL = "{base}"', text)
text = re.sub(r'(?m)^\[triggers\]\ncrons = .*\n', '', text)
open(out, "w").write(text)
PY
}

say "upload size (wrangler deploy --dry-run)"
mkdir -p "$WORK/public"
cp -r build/public/. "$WORK/public/"
write_config "$WORK/dry.toml" "http://127.0.0.1:8787" "$WORK/public"
"$WRANGLER" deploy --dry-run --outdir "$WORK/dry" --config "$WORK/dry.toml" > "$WORK/dry.log" 2>&1 || { cat "$WORK/dry.log" >&2; exit 1; }
grep -E 'Total Upload' "$WORK/dry.log" | tail -1 > "$RESULTS/upload.txt"
ls -l "$WORK/dry" | awk 'NR>1 {print $5, $9}' > "$RESULTS/upload_files.txt"
cat "$RESULTS/upload.txt" >&2

# --- HTTP ----------------------------------------------------------------------------------------------------
SEED=$ROOT/target/release/examples/seed
[[ -n "${BENCH_NO_BUILD:-}" ]] || cargo build --quiet --release --example seed

# name|path|header|expected status; `floor` is run before each of the others, every round.
pages() {
  cat <<PAGES
post_c1|/posts/bench-c1/||200
home|/||200
feed|/feed.xml||200
not_found|/no-such-page/||404
tag|/tags/notes/||200
revalidate_304|/posts/bench-c1/|If-None-Match: $ETAG|304
post_c0|/posts/bench-c0/||200
post_c50|/posts/bench-c50/||200
post_c500|/posts/bench-c500/||200
robots|/robots.txt||200
PAGES
}

status_of() { # $1 url, $2 header
  if [[ -n "$2" ]]; then curl -s -o /dev/null -w '%{http_code}' -H "$2" "$1"; else curl -s -o /dev/null -w '%{http_code}' "$1"; fi
}

run_wrk() { # $1 posts, $2 round, $3 name, $4 path, $5 header, $6 expected -> one JSON line in results
  local line
  line=$(BENCH_HEADER="$5" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s scripts/bench.lua "$BASE$4" | sed -n 's/^WRKJSON //p')
  [[ -n "$line" ]] || { echo "wrk gave no summary for $4" >&2; exit 1; }
  printf '{"posts":%s,"round":%s,"page":"%s","path":"%s","expected":%s,"size":%s,"load":"%s","wrk":%s}\n' \
    "$1" "$2" "$3" "$4" "$6" "${SIZES[$3]:-0}" "$(cut -d' ' -f1 /proc/loadavg)" "$line" >> "$RESULTS/http.jsonl"
}

# Each size's port (its config names it, as the site's address).
declare -A PORTS=() NEWEST_SITEMAP=()
use_size() { # $1 posts: the state, config and address of that size's site
  POSTS=$1
  STATE=$WORK/state-$POSTS
  PORT=${PORTS[$POSTS]}
  BASE="http://127.0.0.1:$PORT"
  CONFIG=$WORK/wrangler-$POSTS.toml
}

# Local KV and D1 are SQLite databases, and writes leave their pages in the write-ahead logs (seeding: 11 MB for
# D1 at 10,000 posts). A fresh workerd read D1's whole log before its first query (KV's presumably too), until some
# write checkpointed it: 20 ms more on the first D1 query at 10,000 posts, 3 at 10 (round 19). Deployed stores do
# not replay a seeding's log per isolate, so each isolate here starts on stores checkpointed while no workerd has
# them open.
settle_stores() {
  python3 - "$STATE" <<'PY'
import glob, sqlite3, sys, time
for path in glob.glob(f"{sys.argv[1]}/v3/*/*/*.sqlite"):
    db = sqlite3.connect(path)
    for _ in range(50):  # a workerd just killed may hold its lock a moment longer
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            break
        time.sleep(0.1)
    else:
        print(f"{path}: still busy, not checkpointed", file=sys.stderr)
    db.close()
PY
}

for POSTS in $POST_COUNTS; do
  say "site with $POSTS posts: seeding"
  PORTS[$POSTS]=$(free_port)
  use_size "$POSTS"
  ASSETS=$WORK/public-$POSTS
  rm -rf "$ASSETS"; mkdir -p "$ASSETS"; cp -r build/public/. "$ASSETS/"
  write_config "$CONFIG" "$BASE" "$ASSETS"
  t0=$(date +%s)
  "$SEED" "$POSTS" "$WORK/seed-$POSTS"
  common=(--local --config "$CONFIG" --persist-to "$STATE")
  "$WRANGLER" d1 migrations apply DB "${common[@]}" > "$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log" >&2; exit 1; }
  "$WRANGLER" d1 execute DB "${common[@]}" --file "$WORK/seed-$POSTS/seed.sql" --yes > "$WORK/d1.log" 2>&1 || { cat "$WORK/d1.log" >&2; exit 1; }
  "$WRANGLER" kv bulk put "$WORK/seed-$POSTS/kv.json" --binding POSTS "${common[@]}" > "$WORK/kv.log" 2>&1 || { cat "$WORK/kv.log" >&2; exit 1; }
  echo "posts=$POSTS seed_seconds=$(( $(date +%s) - t0 )) index_bytes=$(python3 -c "import json,sys; print(next(len(e['value']) for e in json.load(open(sys.argv[1])) if e['key']=='index'))" "$WORK/seed-$POSTS/kv.json")" >> "$RESULTS/seed.txt"

  start_server() { # $@: more arguments for wrangler dev
    settle_stores
    set -m
    "$WRANGLER" dev --local --ip 127.0.0.1 --port "$PORT" --config "$CONFIG" --persist-to "$STATE" \
      --show-interactive-dev-session=false --var "ADMIN_TOKEN:$ADMIN_TOKEN" "$@" < /dev/null > "$WORK/wrangler-$POSTS.log" 2>&1 &
    SERVER_PID=$!
    set +m
    for _ in $(seq 1 360); do
      [[ "$(status_of "$BASE/robots.txt" '')" == 200 ]] && return 0
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.25
    done
    cat "$WORK/wrangler-$POSTS.log" >&2; echo "wrangler dev did not start" >&2; exit 1
  }
  say "site with $POSTS posts: starting wrangler dev on $BASE"
  start_server

  # The floor: the post page's own bytes, served as a static file by the same runtime.
  curl -sf -o "$WORK/post.html" "$BASE/posts/bench-c1/"
  mkdir -p "$ASSETS/bench"
  cp "$WORK/post.html" "$ASSETS/bench/floor.html"
  # Assets are read at start-up: restart so the floor is served.
  stop_server; start_server

  # Checked now, measured after every size (see "first requests" below).
  NEWEST_SITEMAP[$POSTS]=$(curl -sf "$BASE/sitemap.xml" | grep -o 'posts-[0-9]*\.xml' | tail -1)
  [[ -n "${NEWEST_SITEMAP[$POSTS]}" ]] || { echo "no posts sitemap in /sitemap.xml" >&2; exit 1; }
  pending="$BASE/admin/api/comments?status=pending"
  [[ "$(status_of "$pending" "Authorization: Bearer $ADMIN_TOKEN")" == 200 ]] || { echo "the admin API did not answer $pending" >&2; exit 1; }
  declare -A SIZES=()
  SIZES[floor]=$(curl -sf "$BASE/bench/floor" | wc -c)
  [[ "${SIZES[floor]}" == "$(wc -c < "$WORK/post.html")" ]] || { echo "the floor file is not served whole" >&2; exit 1; }
  ETAG=$(curl -sfI "$BASE/posts/bench-c1/" | sed -n 's/^[Ee][Tt]ag: *//p' | tr -d '\r')
  [[ -n "$ETAG" ]] || { echo "no ETag on the post page" >&2; exit 1; }

  # Check every page answers as expected, note its size, and warm the isolate (index, memoised renders).
  while IFS='|' read -r name path header expected; do
    got=$(status_of "$BASE$path" "$header")
    [[ "$got" == "$expected" ]] || { echo "$path answered $got, expected $expected" >&2; exit 1; }
    SIZES[$name]=$(curl -s ${header:+-H "$header"} "$BASE$path" | wc -c)
    BENCH_HEADER="$header" wrk -t1 -c4 -d1s -s scripts/bench.lua "$BASE$path" > /dev/null
  done < <(pages)
  wrk -t1 -c4 -d1s "$BASE/bench/floor" > /dev/null
  grep -c 'comment-' "$WORK/post.html" > /dev/null || true

  for round in $(seq 1 "$ROUNDS"); do
    say "site with $POSTS posts: round $round of $ROUNDS"
    while IFS='|' read -r name path header expected; do
      run_wrk "$POSTS" "$round" floor /bench/floor "" 200
      # The floor before each page is that page's reference.
      run_wrk "$POSTS" "$round" "$name" "$path" "$header" "$expected"
    done < <(pages)
  done
  stop_server
done

# --- first requests ------------------------------------------------------------------------------------------
# The first requests of a fresh isolate: the home page reads the front of the index; the archive's first page the
# archive texts of its two newest lists (up to 200 posts), written then kept; the tags page the tags part (parsed
# once per version per isolate); and, in an isolate of its own so that no list is read before it, the newest posts
# sitemap one chunk's list, then the first page of the tag on every post the tags part and one chunk of that tag's
# posts. A third isolate serves the admin API's list of pending comments first, which makes the isolate's first D1
# query and reads no KV, and then the home page, whose D1 query is then not the first: together they show which
# store's first read grows with the site. Each isolate has served `robots.txt`, which reads nothing, to say it had
# started. Wall time through wrangler dev.
#
# A fourth isolate serves a post page with one comment, then another post page, with each store read made
# STORE_LATENCY_MS slower (scripts/bench_entry.mjs): locally KV and D1 answer in a millisecond, so the reads a page
# waits for one after the other, which at the edge are round trips to remote services, show only this way.
#
# These are absolute times compared across site sizes, so the sizes take turns, round by round, on the states kept
# from above: a change in the shared machine's load during the run then moves every size alike, where measured one
# size after the other they were minutes apart. One isolate in three or so takes far longer, so each figure is a
# median of BENCH_FIRST_ROUNDS.
FIRST_ROUNDS=${BENCH_FIRST_ROUNDS:-9}
STORE_LATENCY_MS=${BENCH_STORE_LATENCY_MS:-20}
echo "store_latency_ms=$STORE_LATENCY_MS" >> "$RESULTS/machine.txt"
# These isolates run scripts/bench_entry.mjs, which logs each request's time in the worker and its waits on KV and
# D1: what the stores take of a first request, and what the worker does itself.
split_times() { # $@: the names of the requests just made in this isolate, in order
  local log=$WORK/wrangler-$POSTS.log lines="" logged=0
  for _ in $(seq 1 20); do
    lines=$(grep -oE 'BENCHTIME /[^ ]* [0-9.]+ [0-9.]+$' "$log" | grep -v '^BENCHTIME /robots.txt ' || true)
    logged=$(grep -c . <<< "$lines" || true)
    (( logged >= $# )) && break
    sleep 0.25
  done
  if (( logged != $# )); then
    echo "bench_entry.mjs logged $logged requests for $POSTS posts, not $#: left out" >&2
    return
  fi
  paste -d' ' <(for name; do echo "$POSTS $name"; done) <(cut -d' ' -f3- <<< "$lines") >> "$RESULTS/first_split.txt"
}
for round in $(seq 1 "$FIRST_ROUNDS"); do
  say "first requests: round $round of $FIRST_ROUNDS"
  for POSTS in $POST_COUNTS; do
    # A port free now: the one picked at seeding may have been taken since, on a shared machine.
    PORTS[$POSTS]=$(free_port)
    use_size "$POSTS"
    write_config "$CONFIG" "$BASE" "$WORK/public-$POSTS" "$ROOT/scripts/bench_entry.mjs"
    pending="$BASE/admin/api/comments?status=pending"
    stop_server; start_server
    home=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/")
    archive=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/archive/")
    kept=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/archive/")
    tags=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/tags/")
    split_times home archive archive_kept tags
    stop_server; start_server
    sitemap=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/sitemaps/${NEWEST_SITEMAP[$POSTS]}")
    tag=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/tags/notes/")
    split_times sitemap tag
    stop_server; start_server
    d1_first=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $ADMIN_TOKEN" "$pending")
    home_after=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/")
    split_times d1_first home_after
    echo "$POSTS $home $archive $kept $sitemap $tags $tag $d1_first $home_after" >> "$RESULTS/first.txt"
    stop_server; start_server --var "BENCH_STORE_LATENCY_MS:$STORE_LATENCY_MS"
    post=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/posts/bench-c1/")
    other_post=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/posts/bench-c50/")
    split_times post_remote other_post_remote
    echo "$POSTS $post $other_post" >> "$RESULTS/first_remote.txt"
  done
done
stop_server

echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/machine.txt"
say "writing $OUT"
python3 scripts/bench_report.py "$RESULTS" target/criterion > "$OUT"
[[ -z "${BENCH_KEEP:-}" ]] || say "raw results kept in $RESULTS"
