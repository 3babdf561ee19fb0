# The two commands are `make dev` and `make test`; everything they need is installed by scripts/install-tools.sh.
SHELL := /bin/bash
PORT ?= 8787
STATE ?= .wrangler/state
TOOLS := $(CURDIR)/.tools/bin
WRANGLER := $(CURDIR)/node_modules/.bin/wrangler
export PATH := $(TOOLS):$(CURDIR)/node_modules/.bin:$(PATH)
export WASM_BINDGEN_BIN := $(TOOLS)/wasm-bindgen
export WASM_OPT_BIN := $(CURDIR)/node_modules/.bin/wasm-opt
export ESBUILD_BIN := $(CURDIR)/node_modules/.bin/esbuild
export WRANGLER_SEND_METRICS := false
export CLOUDFLARE_CF_FETCH_ENABLED := false
# The pages link the stylesheet at an address named by the `cksum` of its bytes, /static/style.<cksum>.css, so that
# browsers may keep it for a year (`public/_headers`): a changed file is a new address, and a worker version that
# does not hold those bytes answers 404 there instead of its own stylesheet (in a gradual deployment, a page and its
# stylesheet may come from two versions). build.rs compiles the address into the worker; the panic page of
# `src/edge/entry.mjs` imports it from build/stylesheet.js (the e2e tests check that the two agree).
STYLESHEET_SUM := $(shell cksum < public/style.css | cut -d' ' -f1)
STYLESHEET := /static/style.$(STYLESHEET_SUM).css

.PHONY: dev test build-tools tools build assets migrate content serve check lint unit e2e fmt deploy clean bench fuzz

## make dev: install tools, migrate local D1, load content/ into local KV, then serve on 127.0.0.1:$(PORT)
## (wrangler dev builds the worker through `[build]` in wrangler.toml, and rebuilds when src/, templates/ or public/ change).
dev: build-tools .dev.vars migrate content serve

## make test: everything CI runs
test: tools lint unit build e2e

# The browser (chromium and its driver, for the browser tests) only for `make test`: serving the blog needs none.
build-tools:
	@scripts/install-tools.sh

tools:
	@scripts/install-tools.sh browser

# worker-build keeps the Wasm name section (a fifth of the module); the second wasm-opt pass drops it, with the
# feature set worker-build itself passes (newer encodings, as --all-features would allow, are refused by workerd).
# Panics in the logs then show function indices instead of names. That pass also optimises for size (-Os) after
# worker-build's pass for speed (-O), 2.2 KB less gzip than -O alone (and less than -Oz alone), and folds small added
# constants into load and store offsets (--low-memory-unused, 2.8 KB less): that differs only for an address that
# wraps into the first KiB of memory, which rustc gives to the deepest end of the 1 MiB stack placed first. --gufa
# first (whole-program flow analysis: constants and unreachable code it proves) takes 0.5 KB more off.
WASM_FEATURES := $(addprefix --enable-,mutable-globals sign-ext nontrapping-float-to-int bulk-memory multivalue \
  reference-types exception-handling)
build: assets build/index_bg.wasm
	printf 'export default "%s";\n' '$(STYLESHEET)' > build/stylesheet.js

# Built again only when an input is newer: `wrangler dev` (4.86) runs its build command twice as it starts, and the
# second run then takes a second, not a minute. The module is dated when its build started, so that a file saved
# during the build is newer; a recipe that fails deletes the half-made module (.DELETE_ON_ERROR). The inputs: the
# crate, the templates compiled into it, the stylesheet whose checksum is, and the tools' versions.
WORKER_INPUTS := $(shell find src templates -type f) public/style.css Cargo.toml Cargo.lock build.rs askama.toml Makefile \
  package-lock.json scripts/install-tools.sh
# What file dates cannot tell: a source file deleted or renamed, other RUSTFLAGS, another toolchain. Their list is
# written to build/.inputs when it differs from the one there, which makes the module older than its inputs.
INPUT_LIST := $(shell mkdir -p build && printf '%s\n' $(sort $(WORKER_INPUTS)) "RUSTFLAGS=$$RUSTFLAGS" "$$(rustc -V 2>&1)" \
  > build/.inputs.new && { cmp -s build/.inputs.new build/.inputs && rm build/.inputs.new || mv build/.inputs.new build/.inputs; } \
  && echo build/.inputs)
build/index_bg.wasm: $(WORKER_INPUTS) $(INPUT_LIST)
	mkdir -p build && touch build/.started
	worker-build --release
	wasm-opt build/index_bg.wasm $(WASM_FEATURES) --gufa -Os --low-memory-unused --strip-debug --strip-producers -o build/index_bg.wasm
	touch -r build/.started build/index_bg.wasm
.DELETE_ON_ERROR:

# The static files the runtime serves (`[assets]` in wrangler.toml): public/, and the stylesheet at its address; laid
# out beside the served folder and moved in at once, as `wrangler dev` serves while it rebuilds.
assets:
	@[[ -n "$(STYLESHEET_SUM)" ]] || { echo "cksum of public/style.css failed" >&2; exit 1; }
	rm -rf build/public.new && mkdir -p build && cp -r public build/public.new
	mkdir -p build/public.new/static && cp public/style.css build/public.new$(STYLESHEET)
	rm -rf build/public.old && { [[ ! -d build/public ]] || mv build/public build/public.old; } && mv build/public.new build/public
	rm -rf build/public.old

.dev.vars:
	@token=$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'); \
	printf 'ADMIN_TOKEN=%s\n' "$$token" > .dev.vars; \
	echo "==> wrote .dev.vars with a new ADMIN_TOKEN: $$token"

migrate:
	$(WRANGLER) d1 migrations apply DB --local --persist-to $(STATE)

content:
	cargo run --quiet --bin blog -- publish --local --persist-to $(STATE) content

# CACHE_SECONDS=0: a `blog publish --local` shows on the next reload while writing. SITE_URL: the addresses the pages
# give (canonical, feeds, a commenter's private link) point at this server, on whatever PORT. --test-scheduled: the
# daily housekeeping runs on `curl 127.0.0.1:$(PORT)/__scheduled`.
serve:
	@echo "==> admin token (kept in .dev.vars): $$(sed -n 's/^ADMIN_TOKEN=//p' .dev.vars)"
	@echo "==> serving the blog at http://127.0.0.1:$(PORT)"
	$(WRANGLER) dev --local --ip 127.0.0.1 --port $(PORT) --persist-to $(STATE) --show-interactive-dev-session=false \
	  --test-scheduled --var CACHE_SECONDS:0 --var SITE_URL:http://127.0.0.1:$(PORT)

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown -- -D warnings

unit:
	cargo test --lib --bins --test cli --test fuzz_smoke

## make fuzz: each `cargo fuzz` target for FUZZ_SECONDS. cargo-fuzz needs nightly flags; these machines have only
## the stable toolchain, so RUSTC_BOOTSTRAP=1 lets it pass them. cargo-fuzz is installed under fuzz/.tools.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := front_matter markdown comment_form tokens
fuzz:
	@test -x fuzz/.tools/bin/cargo-fuzz || cargo install cargo-fuzz --version 0.13.2 --locked --root fuzz/.tools
	@for target in $(FUZZ_TARGETS); do \
	  echo "==> fuzzing $$target for $(FUZZ_SECONDS) s"; \
	  (cd fuzz && RUSTC_BOOTSTRAP=1 PATH=$(CURDIR)/fuzz/.tools/bin:$$PATH cargo fuzz run $$target -- -max_total_time=$(FUZZ_SECONDS)) 2>&1 \
	    | tee /tmp/fuzz-$$target.log | grep -E '^(#[0-9]+ +DONE|Done [0-9]+ runs|==[0-9]+==ERROR|SUMMARY)' || exit 1; \
	  test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

e2e: build
	cargo test --test e2e

fmt:
	cargo fmt

## make bench: criterion benches, upload size, wrk against wrangler dev at 10/1,000/10,000 posts -> BENCHMARKS.md
## (about 20 minutes; knobs such as BENCH_ROUNDS and BENCH_DURATION are described in scripts/bench.sh)
bench: build
	@scripts/install-tools.sh bench
	scripts/bench.sh

# Built from scratch (-B): what goes to the edge must not depend on file dates (a deleted source file, a new toolchain).
deploy: build-tools
	$(MAKE) -B build
	$(WRANGLER) d1 migrations apply DB --remote
	cargo run --quiet --bin blog -- publish --remote content
	$(WRANGLER) deploy

clean:
	rm -rf build target/wasm32-unknown-unknown .wrangler
