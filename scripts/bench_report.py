#!/usr/bin/env python3
"""Turns the raw results of scripts/bench.sh (and criterion's target/criterion) into BENCHMARKS.md on stdout."""
import json
import os
import re
import statistics
import sys
from collections import defaultdict

results, criterion_dir = sys.argv[1], sys.argv[2]


def read_kv(path):
    out = {}
    if os.path.exists(path):
        for line in open(path):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                out[k] = v
    return out


def mmm(values):
    return statistics.median(values), min(values), max(values)


def fmt_mmm(values, f="{:.0f}"):
    med, lo, hi = mmm(values)
    return f"{f.format(med)} ({f.format(lo)}–{f.format(hi)})"


def fmt_time(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


machine = read_kv(os.path.join(results, "machine.txt"))

# --- criterion -----------------------------------------------------------------------------------------------
native = {}
for dirpath, _dirs, files in os.walk(criterion_dir):
    if os.path.basename(dirpath) == "new" and "sample.json" in files and "benchmark.json" in files:
        bench = json.load(open(os.path.join(dirpath, "benchmark.json")))
        sample = json.load(open(os.path.join(dirpath, "sample.json")))
        per_iter = [t / n for t, n in zip(sample["times"], sample["iters"])]
        native[bench["full_id"]] = per_iter


# --- instructions per request (callgrind, examples/cost.rs) -----------------------------------------------
instructions = {}  # (posts, page) -> instructions per request
for name in os.listdir(results):
    m = re.match(r"instructions-(\d+)\.txt$", name)
    if m:
        requests = int(machine.get("cost_requests", "1"))
        for line in open(os.path.join(results, name)):
            page, total = line.split()
            instructions[(int(m.group(1)), page)] = int(total) / requests
COST_PAGES = [
    ("post_page_0", "post page, 0 comments"),
    ("post_page_1", "post page, 1 comment"),
    ("post_page_50", "post page, 50 comments"),
    ("post_page_500", "post page, 500 comments"),
    ("post_first_render", "post page, a version's first render (0 comments; from the page prepared at publish time)"),
    ("post_first_render_from_markdown", "post page, a version's first render from Markdown (0 comments; a document stored without its prepared page)"),
    ("home_page", "home page (10 posts; kept while the index and its posts' comment counts are unchanged)"),
    ("home_page_first", "home page, first request for an index version (written)"),
    ("atom_feed", "Atom feed (20 newest; 10 in a site of 10 posts)"),
    ("archive", "archive, first page (the archive texts of the two newest lists: up to 200 posts; kept per index version)"),
    ("sitemap", "posts sitemap (the list of one chunk: up to 100 posts; kept per index version)"),
    ("tags_page", "tags page (kept per index version)"),
    ("tag_page", "tag page (10 posts of the tag on every post, from the tags part; kept as the home page)"),
    ("not_found", "404 page"),
]


def native_row(full_id):
    v = native.get(full_id)
    if not v:
        return None
    med, lo, hi = mmm(v)
    return med, lo, hi


# --- HTTP ----------------------------------------------------------------------------------------------------
runs = [json.loads(line) for line in open(os.path.join(results, "http.jsonl"))] if os.path.exists(os.path.join(results, "http.jsonl")) else []
by = defaultdict(list)  # (posts, page) -> [(rps, floor_rps, p50, p99, run)]
last_floor = None
skipped = []  # pairs where the floor or the page completed no request: no ratio
for r in runs:
    if r["page"] == "floor":
        last_floor = r
        continue
    if not last_floor or last_floor["wrk"]["rps"] <= 0 or r["wrk"]["requests"] <= 0:
        skipped.append(r)
        continue
    by[(r["posts"], r["page"])].append((r["wrk"]["rps"], last_floor["wrk"]["rps"], r["wrk"]["p50_ms"], r["wrk"]["p99_ms"], r, last_floor))
post_counts = sorted({p for p, _ in by})
PAGES = [
    ("post_c1", "post page, 1 comment"),
    ("home", "home page (10 posts)"),
    ("feed", "Atom feed"),
    ("not_found", "404 page"),
    ("tag", "tag page (10 posts of the tag on every post)"),
    ("revalidate_304", "post page, 1 comment, 304 (If-None-Match)"),
    ("post_c0", "post page, 0 comments"),
    ("post_c50", "post page, 50 comments"),
    ("post_c500", "post page, 500 comments"),
    ("robots", "robots.txt (worker runs, no storage read, tiny body)"),
]


def ratio_stats(posts, page):
    rows = by.get((posts, page), [])
    return [rps / floor for rps, floor, *_ in rows]


def med_ratio(posts, page):
    r = ratio_stats(posts, page)
    return statistics.median(r) if r else None


out = []
w = out.append
w("# Benchmarks")
w("")
w("Written by `make bench` (`scripts/bench.sh`, `scripts/bench_report.py`, `benches/render.rs`, `examples/seed.rs`). "
  "Every figure is **median (min–max)** over the samples or rounds named beside it. Re-run with `make bench`; it takes about "
  "20 minutes on this machine (seeding 10,000 posts into local KV alone takes ~3). What moved each figure, run against run, is in *Before and after* (`scripts/bench_history.md`, kept by hand).")
w("")
w("## Machine")
w("")
w("| | |")
w("|---|---|")
for k in ["cpu", "cores", "memory", "os", "kernel", "rustc", "node", "wrangler", "wrk", "commit", "cost_commit", "date", "loadavg_start", "loadavg_end", "wrk_args"]:
    if k in machine:
        w(f"| {k} | {machine[k]} |")
w("")
w("The machine is shared (2 cores, other builds running: see the load averages), so absolute numbers are noisy. "
  "That is why every HTTP figure is also given as a **ratio to a floor measured in the same run, interleaved**.")
w("")

# --- targets summary (filled below) ---
targets_at = len(out)

w("## Method")
w("")
w("- **Native** (`cargo bench --bench render`, criterion, release profile of the host): `App` over `MemoryStore`, "
  "so the real hot path runs: read the stored document, thread and render the approved comments, sign the comment "
  "form, render the askama template, compute the ETag. "
  "*Warm* = the page is already kept by the isolate (every request after the first for a version in an isolate: "
  "the kept page joined around a fresh form token); *cold* = a version never seen (first request in an isolate or "
  "after an edit): the page is built from the document as published, whose body was rendered at publish time; "
  "*cold from Markdown* = the same for a document stored without its prepared page (by a release before prepared "
  "pages, or prepared by another renderer), so the front matter is parsed and the Markdown rendered and sanitized "
  "as well; *doc JSON* = parsing the stored document's JSON as the edge reads it from KV (the in-memory store keeps "
  "it parsed), with and without the prepared page: add it to a cold figure for the edge's cost. The post is a real "
  "~3 KB sample post (table, code block, list, footnote). 30 samples per benchmark; the figure is time per call.")
w("- **Upload size**: `wrangler deploy --dry-run --outdir` on the `make build` output (wrangler's `Total Upload` line).")
w("- **HTTP**: for each site size, `scripts/bench.sh` seeds fresh `--persist-to` state in bulk (one `kv bulk put`, one "
  "`d1 execute --file`, generated by `examples/seed.rs` with the crate's own `app::prepare` and `SiteIndex::build`, "
  "exactly the layout `blog publish` writes), starts `wrangler dev` on a free 127.0.0.1 port with the comment form "
  "enabled (an `ADMIN_TOKEN`), checks the status of every page, warms the isolate (1 s of wrk per page), then runs "
  f"`wrk {machine.get('wrk_args', '')}`. In each round every page is preceded by the **floor**: the post page "
  "with one comment, byte for byte, served as a static file (`/bench/floor`, from a bench-only copy of `build/public/`) by "
  "the same runtime. A page's ratio is its requests/s divided by the floor run just before it; the table gives the "
  "median, min and max of those ratios over the rounds.")
w("- Bench posts `bench-c0`, `bench-c1`, `bench-c50`, `bench-c500` carry 0, 1, 50 and 500 approved comments (every "
  "third a reply). The rest of the site is short filler posts. Site sizes: " + ", ".join(f"{p:,}" for p in post_counts) + " posts.")
w("")

# --- native ---
w("## Native render (criterion)")
w("")
w("| benchmark | time per call |")
w("|---|---|")
POST_KINDS = {"warm": "warm", "cold": "cold", "cold_from_markdown": "cold from Markdown",
              "doc_json_prepared": "doc JSON (prepared)", "doc_json_from_markdown": "doc JSON (Markdown only)"}
order = [f"post_page/{k}/{c}" for c in (0, 1, 50, 500) for k in POST_KINDS]
order += sorted(k for k in native if k.startswith("post_page_1_of")) + sorted(k for k in native if k.startswith("not_found_of"))
order += sorted(k for k in native if k.startswith("list_page")) + sorted(k for k in native if k.startswith("atom_feed")) + sorted(k for k in native if k.startswith("front_parse")) + sorted(k for k in native if k.startswith("tags_parse")) + sorted(k for k in native if k.startswith("index_parse")) + sorted(k for k in native if k.startswith("chunk_parse")) + sorted(k for k in native if k.startswith("list_parse"))
labels = {
    "post_page_1_of": "post page, 1 comment, warm, in a site of {} posts",
    "not_found_of": "404 page (aliases looked up, error page rendered) in a site of {} posts",
    "list_page_10_of": "home page (10 posts listed) of a site of {} posts, kept (every request after the first for an index version and comment counts)",
    "list_page_10_first_of": "home page (10 posts listed) of a site of {} posts, first request for an index version (written)",
    "atom_feed_of": "Atom feed (20 newest) of a site of {} posts, kept (every poll after the first for an index version)",
    "atom_feed_first_of": "Atom feed (20 newest) of a site of {} posts, first request for an index version (written)",
    "front_parse_of": "parse the KV `index:front` JSON of a site of {} posts (home page, feed, navigation: once per isolate and index version)",
    "tags_parse_of": "parse the KV `index:tags` JSON of a site of {} posts (the front and every tag: tags page, tag pages and feeds, once per isolate and index version)",
    "index_parse_of": "parse the KV `index` JSON of {} posts (the admin, and readers when a part cannot serve them: once per isolate and index version)",
    "chunk_parse_of": "parse the JSON of the oldest chunk of posts (up to 100) of a site of {} posts (later home pages: once per isolate and chunk)",
    "list_parse_of": "parse the JSON of the oldest chunk's list (up to 100 posts' addresses, titles, dates and tags) of a site of {} posts (archive, posts sitemaps: once per isolate and list)",
}


def sort_key(k):
    m = re.match(r"(.*)/(\d+)$", k)
    return (m.group(1), int(m.group(2))) if m else (k, 0)


seen = set()
for k in [x for x in order if x.startswith("post_page/")] + sorted([x for x in order if not x.startswith("post_page/")], key=sort_key):
    if k in seen or k not in native:
        continue
    seen.add(k)
    med, lo, hi = native_row(k)
    group, _, param = k.rpartition("/")
    if k.startswith("post_page/"):
        kind = POST_KINDS.get(group.split("/")[1], group.split("/")[1])
        label = f"post page, {param} comments, {kind}"
    else:
        label = labels.get(group, group).format(f"{int(param):,}")
    w(f"| {label} | {fmt_time(med)} ({fmt_time(lo)}–{fmt_time(hi)}) |")
w("")

# --- instructions ---
cost_sizes = sorted({n for n, _ in instructions})
if cost_sizes:
    w("## Instructions per request (callgrind)")
    w("")
    w("`valgrind --tool=callgrind` on `examples/cost.rs` (release profile of the host, as the Wasm: `opt-level = \"z\"`, "
      "SHA-256 at 3, LTO): the bench's store at each site size, each page served once to warm the isolate's memos, then "
      f"{machine.get('cost_requests', '?')} times inside a function of its own, whose inclusive count is divided by the "
      "requests. This is the steady state of an isolate, as over HTTP, but for the two rows of a version's first render, "
      "which serve as many copies of the sample post as there are requests, each stored and never served before. Counts move by about 1% from run to run (hash "
      "seeds), where times on this machine move by ±20%, so this table is what resolves the 10% target. The in-memory "
      "store stands in for KV and D1 and, like the edge's memo within its window, keeps pages of comments and comment "
      "counts until the next comment write. A copy counts one instruction per byte here (`rep movsb`), which weighs long "
      "pages more than their time does."
      + (f" **Counted at commit {machine['cost_commit']}**, a change made after this run's other figures: only the "
         "instructions were counted again (the report's other figures are from the commit in *Machine*)."
         if machine.get("cost_commit") else ""))
    w("")
    w("| page | " + " | ".join(f"{n:,} posts" for n in cost_sizes) + f" | growth {cost_sizes[0]:,} → {cost_sizes[-1]:,} |"
      + (f" growth {cost_sizes[1]:,} → {cost_sizes[-1]:,} |" if len(cost_sizes) > 2 else ""))
    w("|---|" + "---|" * (len(cost_sizes) + 1 + (len(cost_sizes) > 2)))
    for page, label in COST_PAGES:
        row = [instructions.get((n, page)) for n in cost_sizes]
        if None in row:
            continue
        growth = f" {(row[-1] / row[0] - 1) * 100:+.1f}% |"
        if len(cost_sizes) > 2:
            growth += f" {(row[-1] / row[1] - 1) * 100:+.1f}% |"
        w(f"| {label} | " + " | ".join(f"{v:,.0f}" for v in row) + " |" + growth)
    w("")

# --- upload ---
upload_line = open(os.path.join(results, "upload.txt")).read().strip() if os.path.exists(os.path.join(results, "upload.txt")) else ""
m = re.search(r"Total Upload:\s*([\d.]+)\s*KiB\s*/\s*gzip:\s*([\d.]+)\s*KiB", upload_line)
upload_total, upload_gzip = (float(m.group(1)), float(m.group(2))) if m else (None, None)
w("## Upload size")
w("")
if m:
    w(f"`wrangler deploy --dry-run`: **{upload_total:,.2f} KiB total, {upload_gzip:,.2f} KiB gzip** "
      f"({upload_gzip * 1.024:,.0f} KB gzip).")
else:
    w(f"wrangler printed: `{upload_line}`")
files = open(os.path.join(results, "upload_files.txt")).read().split("\n") if os.path.exists(os.path.join(results, "upload_files.txt")) else []
files = [f for f in files if f.strip()]
if files:
    w("")
    w("Files in the bundle: " + ", ".join(f"`{f.split()[1]}` {int(f.split()[0]):,} B" for f in files) + ".")
w("")

# --- HTTP ---
seed = [line for line in open(os.path.join(results, "seed.txt"))] if os.path.exists(os.path.join(results, "seed.txt")) else []
w("## HTTP against the local runtime (wrk)")
w("")
for posts in post_counts:
    floors = [f["wrk"]["rps"] for rows in [by[(posts, p)] for p, _ in PAGES] for *_, f in rows]
    w(f"### {posts:,} posts")
    w("")
    w(f"Floor (`/bench/floor`, the post page's bytes as a static file): {fmt_mmm(floors)} requests/s over {len(floors)} runs.")
    w("")
    w("| page | bytes | status | requests/s | **ratio to floor** | p50 latency ms | p99 latency ms |")
    w("|---|---|---|---|---|---|---|")
    for page, label in PAGES:
        rows = by.get((posts, page))
        if not rows:
            continue
        r0 = rows[0][4]
        w(f"| {label} | {r0['size']:,} | {r0['expected']} | {fmt_mmm([x[0] for x in rows])} | **{fmt_mmm([x[0] / x[1] for x in rows], '{:.2f}')}** | "
          f"{fmt_mmm([x[2] for x in rows], '{:.1f}')} | {fmt_mmm([x[3] for x in rows], '{:.1f}')} |")
    errs = sum(r["wrk"]["errors_connect"] + r["wrk"]["errors_read"] + r["wrk"]["errors_timeout"] for r in runs if r["posts"] == posts)
    w("")
    miss = [r["page"] for r in skipped if r["posts"] == posts]
    w(f"Socket errors or timeouts in these runs: {errs}." + (f" Pairs left out (no request completed in the run): {', '.join(miss)}." if miss else ""))
    w("")
if seed:
    w("Seeding (bulk KV and D1 writes, not part of any figure): " + "; ".join(s.strip() for s in seed) + ".")
    w("")
first_path = os.path.join(results, "first.txt")
first = [line.split() for line in open(first_path) if line.strip()] if os.path.exists(first_path) else []
if first:
    w("### The first requests of a fresh isolate")
    w("")
    rounds = max((sum(1 for row in first if row[0] == size) for size in {row[0] for row in first}), default=0)
    w(f"Wall time of single requests (curl) right after `wrangler dev` starts, {rounds} times over, each time in three "
      "fresh isolates, the site sizes taking turns round by round (so that the machine's load moves them alike). In the "
      "first, in this order: the home page (reads the front of the index: 50 posts), the archive's first page (reads the "
      "archive texts of the two newest lists of posts, up to 200, then writes and keeps the page), the archive again (kept), the tags page (reads the tags part: the front and every tag). In the second: "
      "the newest posts sitemap (reads one chunk's list), then the first page of the tag on every post (reads the tags "
      "part, whose 50 newest posts hold the page since round 20; before, the newest chunk of that tag's posts too). In the third: the admin API's list of pending comments (the "
      "isolate's first D1 query; no KV read), then the home page (its D1 query not the first). Each isolate has "
      "answered one `robots.txt` (which reads nothing) before, to say it had started. Since round 19 these isolates run "
      "the worker through `scripts/bench_entry.mjs` (below), which logs a line more per request, and start on local "
      "stores whose write-ahead logs are checkpointed. Median (min–max), ms.")
    w("")
    w("| site | home page, first | archive, first | archive, kept | newest posts sitemap, first | tags page, first | tag page, first "
      "| admin API's pending comments, first (D1 only) | home page, after it |")
    w("|---|---|---|---|---|---|---|---|---|")
    for n in post_counts:
        rows = [[float(x) * 1000 for x in r[1:]] for r in first if int(r[0]) == n]
        if rows:
            w(f"| {n:,} posts | " + " | ".join(fmt_mmm([r[i] for r in rows], '{:.1f}') if all(len(r) > i for r in rows) else "–" for i in range(8)) + " |")
    w("")
split_path = os.path.join(results, "first_split.txt")
split = [r for r in (line.split() for line in open(split_path)) if len(r) == 4] if os.path.exists(split_path) else []


def split_cell(n, key):
    """The median time in the worker / of it waiting on the stores, of the requests `key` at `n` posts."""
    rows = [(float(r[2]), float(r[3])) for r in split if int(r[0]) == n and r[1] == key]
    return f"{statistics.median(a for a, _ in rows):.1f} / {statistics.median(b for _, b in rows):.1f}" if rows else "–"


if split:
    w("Where that time goes: the same requests as timed inside the worker (`scripts/bench_entry.mjs` wraps the "
      "worker and its KV and D1 bindings), from the request reaching the worker to its response, and of that the time "
      "spent waiting on KV or D1 (reads made at once counted once). What is left of the worker's time is its own work "
      "(parsing what it read, rendering); the rest of the wall time is outside the timed interval (`wrangler dev`, "
      "curl). Local workerd's clock moves in whole milliseconds, so these are medians of whole numbers. "
      "Median ms, worker / of it waiting on the stores.")
    w("")
    names = [("home", "home page, first"), ("archive", "archive, first"), ("archive_kept", "archive, kept"), ("sitemap", "newest posts sitemap, first"),
             ("tags", "tags page, first"), ("tag", "tag page, first"), ("d1_first", "admin API's pending comments, first (D1 only)"),
             ("home_after", "home page, after it")]
    w("| page | " + " | ".join(f"{n:,} posts" for n in post_counts) + " |")
    w("|---|" + "---|" * len(post_counts))
    for key, label in names:
        w(f"| {label} | " + " | ".join(split_cell(n, key) for n in post_counts) + " |")
    w("")
remote_path = os.path.join(results, "first_remote.txt")
remote = [line.split() for line in open(remote_path) if line.strip()] if os.path.exists(remote_path) else []
if remote:
    latency = machine.get("store_latency_ms", "?")
    w("### A post page's first requests with remote stores")
    w("")
    w(f"Locally KV and D1 answer in about a millisecond; at the edge a read the isolate does not hold is a round trip to "
      f"a remote service, and D1's primary may be far from the reader. So a fourth fresh isolate per round runs the worker "
      f"with each KV read and D1 statement made {latency} ms slower (`BENCH_STORE_LATENCY_MS` in `scripts/bench_entry.mjs`), "
      "and serves the post page with one comment (its document, the navigation and its page of comments all read), then "
      "the post page with 50 comments (its document and comments read; the navigation is trusted for 30 s). The reads a "
      f"page waits for one after the other each add {latency} ms. Wall time, median (min–max), ms; then as timed inside "
      "the worker, median ms, worker / of it waiting on the stores.")
    w("")
    w("| site | post page, first | another post page, after it | in the worker: first | after it |")
    w("|---|---|---|---|---|")
    for n in post_counts:
        rows = [[float(x) * 1000 for x in r[1:]] for r in remote if int(r[0]) == n]
        timed = [split_cell(n, key) for key in ("post_remote", "other_post_remote")]
        if rows:
            w(f"| {n:,} posts | " + " | ".join(fmt_mmm([r[i] for r in rows], '{:.1f}') for i in range(2)) + " | " + " | ".join(timed) + " |")
    w("")

# --- scale ---
if len(post_counts) > 1:
    lo_n, hi_n = post_counts[0], post_counts[-1]
    w(f"### Growth with the number of posts ({lo_n:,} → {hi_n:,})")
    w("")
    w("Cost per request is 1 / throughput. Compared through the floor ratios, so that machine load between the two "
      "runs cancels out: growth = ratio at the small site / ratio at the large site − 1.")
    w("")
    w("| page | " + " | ".join(f"ratio at {n:,}" for n in post_counts) + f" | cost growth {lo_n:,} → {hi_n:,} |")
    w("|---|" + "---|" * (len(post_counts) + 1))
    for page, label in PAGES:
        meds = [med_ratio(n, page) for n in post_counts]
        if None in meds:
            continue
        growth = meds[0] / meds[-1] - 1
        w(f"| {label} | " + " | ".join(f"{m:.2f}" for m in meds) + f" | {growth * 100:+.0f}% |")
    w("")
    w("### Growth with the number of comments")
    w("")
    w("| site | " + " | ".join(f"{c} comments" for c in (0, 1, 50, 500)) + " | cost of 500 vs 1 |")
    w("|---|---|---|---|---|---|")
    for n in post_counts:
        meds = [med_ratio(n, f"post_c{c}") for c in (0, 1, 50, 500)]
        if None in meds:
            continue
        w(f"| {n:,} posts | " + " | ".join(f"{m:.2f}" for m in meds) + f" | {meds[1] / meds[3]:.1f}× |")
    w("")

# --- targets ---
t = []
t.append("## Targets of issue 5")
t.append("")
t.append("| target | measured | met? |")
t.append("|---|---|---|")


def yes(b):
    return "**yes**" if b else "**no**"


small = post_counts[0] if post_counts else None
if small is not None and by.get((small, "post_c1")):
    parts = []
    ok = True
    for n in post_counts:
        mr = med_ratio(n, "post_c1")
        parts.append(f"{mr:.2f}× at {n:,} posts")
        ok &= mr >= 0.9
    t.append(f"| post page with one comment ≥ 0.9× the same-size static file | {'; '.join(parts)} | {yes(ok)} |")
warm = native_row("post_page/warm/1")
cold = native_row("post_page/cold/1")
from_md = native_row("post_page/cold_from_markdown/1")
json_prepared = native_row("post_page/doc_json_prepared/1")
json_md = native_row("post_page/doc_json_from_markdown/1")
if warm and cold and from_md and json_prepared and json_md:
    cold_total, md_total = cold[0] + json_prepared[0], from_md[0] + json_md[0]
    t.append(f"| its native render ≤ 50 µs | warm (the page kept) {fmt_time(warm[0])}; cold (a version's first render, body "
             f"prepared at publish time) {fmt_time(cold[0])}, {fmt_time(cold_total)} with the document's JSON; from Markdown "
             f"(a document not yet republished since prepared pages) {fmt_time(from_md[0])}, {fmt_time(md_total)} with its JSON | "
             f"warm {yes(warm[0] <= 50e3)}, cold {yes(cold_total <= 50e3)}, from Markdown {yes(md_total <= 50e3)} |")
if upload_gzip is not None:
    t.append(f"| upload ≤ 400 KB gzip | {upload_gzip:,.0f} KiB = {upload_gzip * 1.024:,.0f} KB gzip | {yes(upload_gzip * 1.024 <= 400)} |")
if len(post_counts) > 1:
    lo_n, hi_n = post_counts[0], post_counts[-1]
    worst = []
    ok = True
    for page, label in PAGES:
        a, b = med_ratio(lo_n, page), med_ratio(hi_n, page)
        if a is None or b is None:
            continue
        g = a / b - 1
        ok &= abs(g) <= 0.10
        worst.append((g, label))
    worst.sort(reverse=True)
    desc = "; ".join(f"{label} {g * 100:+.0f}%" for g, label in worst[:4])
    counted, over = [], []
    for page, label in COST_PAGES:
        a, b = instructions.get((lo_n, page)), instructions.get((hi_n, page))
        if a and b:
            counted.append(f"{label} {(b / a - 1) * 100:+.1f}%")
            if abs(b / a - 1) > 0.10:
                over.append(label)
    verdict = f"instructions: {yes(not over)}" + (f" ({', '.join(l.split(' (')[0] for l in over)})" if over else "")
    largest = max(worst, key=lambda w: abs(w[0]))
    verdict += f"; HTTP: {yes(ok)}" + ("" if ok else f" (largest change {largest[0] * 100:+.0f}%, {largest[1]}; see how far to trust it below)")
    # The first request of a fresh isolate, per page: its median wall time at each site size.
    def first_median(n, col):
        times = sorted(float(r[col]) * 1000 for r in first if int(r[0]) == n and len(r) > col)
        return times[len(times) // 2] if times else None

    first_desc, first_verdicts = [], []
    for col, name in [(1, "home page"), (2, "archive, first page"), (4, "newest posts sitemap"), (5, "tags page"), (6, "tag page")]:
        times = [first_median(n, col) for n in post_counts]
        if None in times:
            continue
        first_desc.append(f"{name} {' / '.join(f'{t:.1f}' for t in times)} ms")
        first_verdicts.append(f"{name.split(' (')[0]} {yes(times[-1] / times[0] - 1 <= 0.10)}")
    if first_desc:
        verdict += f"; first request: {', '.join(first_verdicts)}"
    first_desc = f" First request of a fresh isolate, wall, at {' / '.join(f'{n:,}' for n in post_counts)} posts: {'; '.join(first_desc)}." if first_desc else ""
    t.append(f"| cost flat within 10% from {lo_n:,} to {hi_n:,} posts, every page | instructions per request: {'; '.join(counted)}. "
             f"HTTP (largest growths): {desc}.{first_desc} | {verdict} |")
    http_ok, native_ok = True, True
    parts = []
    for n in post_counts:
        a, b = med_ratio(n, "post_c1"), med_ratio(n, "post_c500")
        if a and b:
            parts.append(f"{a / b:.1f}× at {n:,} posts")
            http_ok &= a / b <= 2
    w500, w1 = native_row("post_page/warm/500"), native_row("post_page/warm/1")
    verdict = f"HTTP {yes(http_ok)}"
    if w500 and w1:
        parts.append(f"native warm {w500[0] / w1[0]:.1f}×")
        verdict += f", native {yes(w500[0] / w1[0] <= 2)}"
    t.append(f"| 500 comments within 2× of 1 comment | cost {'; '.join(parts)} | {verdict} |")
t.append("")
# Hand-written parts: what bounds each figure now, and the before/after of each optimisation.
for name in ("bench_analysis.md", "bench_history.md"):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    if os.path.exists(path):
        t.append(open(path).read().rstrip())
        t.append("")
out[targets_at:targets_at] = t

print("\n".join(out))
