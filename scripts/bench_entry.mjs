// The worker as deployed (src/edge/entry.mjs), with its waits on KV and D1 timed. `make bench` serves the first
// requests of a fresh isolate through it, to tell what the stores take of each from what the worker does itself.
// For each request it logs `BENCHTIME <path> <ms in the worker> <ms waiting on a store>`: the union of the waits,
// as reads run at once. Local workerd's clock moves in whole milliseconds.
//
// Local KV and D1 answer in about a millisecond; at the edge a read the isolate does not hold is a round trip to a
// remote service, and D1's primary may be a continent away. With the variable BENCH_STORE_LATENCY_MS set, each read
// and statement first waits that long, so that the reads a request waits for one after the other show in its time.
import Worker from "../src/edge/entry.mjs";

const waits = [];
let latency = 0;

function timed(call) {
  return async function (...args) {
    const start = performance.now();
    try {
      if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
      return await call.apply(this, args);
    } finally {
      waits.push([start, performance.now()]);
    }
  };
}

// The methods are replaced on the binding objects themselves: the Rust side calls them as methods of the objects
// it is handed (KV's `get` is looked up when the binding is taken, on each request, after `patch`). Once per isolate.
function patchStatement(statement) {
  const bind = statement.bind;
  statement.bind = (...args) => patchStatement(bind.apply(statement, args));
  for (const name of ["all", "first", "run", "raw"]) statement[name] = timed(statement[name]);
  return statement;
}

function patch(env) {
  const { POSTS: kv, DB: db } = env;
  if (kv.__timed) return;
  latency = Number(env.BENCH_STORE_LATENCY_MS ?? 0);
  kv.get = timed(kv.get);
  const prepare = db.prepare;
  db.prepare = (sql) => patchStatement(prepare.call(db, sql));
  db.batch = timed(db.batch);
  kv.__timed = true;
}

function union(intervals) {
  let total = 0;
  let end = -Infinity;
  for (const [start, stop] of intervals.sort((a, b) => a[0] - b[0])) {
    if (stop > end) {
      total += stop - Math.max(start, end);
      end = stop;
    }
  }
  return total;
}

export default class extends Worker {
  async fetch(request) {
    patch(this.env);
    waits.length = 0;
    const start = performance.now();
    try {
      return await super.fetch(request);
    } finally {
      const path = new URL(request.url).pathname;
      console.log(`BENCHTIME ${path} ${performance.now() - start} ${union(waits)}`);
    }
  }
}
