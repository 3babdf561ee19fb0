// The worker's entry point: the Rust worker built by worker-build, plus the one thing Rust cannot do for itself.
//
// A panic aborts the Wasm instance, so no Rust code can answer that request. Here it gets a 500 page in the
// site's style instead of the runtime's bare error. worker-build's glue sees the same error and starts a fresh
// instance for the next request.
import Worker from "../../build/index.js";
import STYLESHEET from "../../build/stylesheet.js";

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <meta name="robots" content="noindex">
  <title>Something went wrong</title>
  <link rel="stylesheet" href="${STYLESHEET}">
</head>
<body>
  <main id="main">
    <section class="error">
      <h1>Something went wrong</h1>
      <p>This page could not be shown because of an error on our side. Please try again in a moment.</p>
      <p><a href="/">Go to the home page</a> or <a href="/archive/">browse the archive</a>.</p>
    </section>
  </main>
</body>
</html>
`;

// A panic is thrown from inside the runtime's task queue, not into the request's promise, which would never
// settle: the runtime reports it as an "error" event, and every request in flight on this instance fails with it.
const inFlight = new Set();
addEventListener("error", (event) => {
  for (const fail of inFlight) fail(event.error);
});

export default class extends Worker {
  async fetch(request) {
    let fail;
    const failed = new Promise((_, reject) => (fail = reject));
    inFlight.add(fail);
    try {
      return await Promise.race([super.fetch(request), failed]);
    } catch (error) {
      console.error("request failed:", error);
      return errorPage();
    } finally {
      inFlight.delete(fail);
    }
  }
}

function errorPage() {
  return new Response(PAGE, {
    status: 500,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
    },
  });
}
