//! A stable smoke run of the fuzz targets (`fuzz/checks.rs`): each gets its seed inputs plus a few thousand
//! inputs from a seeded PRNG, mutated from the seeds. `make fuzz` runs the real `cargo fuzz` targets (libFuzzer).

#[path = "../fuzz/checks.rs"]
mod checks;

const RUNS: usize = 4_000;

const SEEDS: &[&str] = &[
    "+++\ntitle = \"Hello\"\ndate = 2024-05-01\ntags = [\"a\", \"b\"]\n+++\nBody *text* with [a link](https://example.org).",
    "+++\ntitle = \"x\"\ndate = 2024-05-01T07:30:00Z\naliases = [\"/old/\"]\ncomments = \"closed\"\n+++\n<!-- more -->\n# H {#id}",
    "<script>alert(1)</script><img src=x onerror=alert(1)>[x](javascript:alert(1))",
    "author=Ada&email=a%40b.org&url=https%3A%2F%2Fexample.org&body=Hi+there%21&parent=1&issued=1799999990.abc",
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n[^1]\n\n[^1]: note\n\n- [x] done\n\n```rust\nfn main() {}\n```",
    "1799999990.0123456789abcdef; qh_session=1800000060.fuzz.deadbeef; other=1",
    "title = \"Caf\\u00e9\" # c\n'k' = 'v'\ndate = 2024-05-01 07:30:00.5+02:00\ntags = [\"a\", 'b',\n]\ndraft = true\nn = -1_000.5e3\n\
     s = \"\"\"\nx\\\n  y\"\"\"\nq = \'\'\'\nraw\'\'\'\nt = 07:30:00\n",
];

/// xorshift64*: small, seeded, good enough to vary inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&[u8]] = &[
    b"+++",
    b"\n",
    b"=",
    b"&",
    b"%",
    b"%FF",
    b"%C3%A9",
    b"<",
    b">",
    b"\"",
    b"[",
    b"](",
    b")",
    b"*",
    b"`",
    b"javascript:",
    b"<script>",
    b"onerror=",
    b"\xff",
    b".",
    b"#",
    b"|",
    b"- ",
    b"> ",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(data.len() + 1);
        match rng.below(4) {
            0 => data.insert(at, rng.next() as u8),
            1 if at < data.len() => {
                data.remove(at);
            }
            2 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                data.splice(at..at, token.iter().copied());
            }
            _ => {
                let end = (at + rng.below(16)).min(data.len());
                let chunk = data[at..end].to_vec();
                data.splice(at..at, chunk);
            }
        }
    }
    data
}

fn smoke(name: &str, check: fn(&[u8]), seed: u64) {
    let mut rng = Rng(seed);
    for s in SEEDS {
        check(s.as_bytes());
    }
    // FUZZ_SMOKE_RUNS sets a longer run by hand.
    let runs = std::env::var("FUZZ_SMOKE_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(RUNS);
    for _ in 0..runs {
        let data = if rng.below(4) == 0 {
            (0..rng.below(256)).map(|_| rng.next() as u8).collect()
        } else {
            let seed = SEEDS[rng.below(SEEDS.len())];
            mutate(&mut rng, seed.as_bytes())
        };
        check(&data);
    }
    println!("fuzz smoke {name}: {} inputs", SEEDS.len() + runs);
}

#[test]
fn fuzz_smoke_front_matter() {
    smoke("front_matter", checks::front_matter, 1);
}

#[test]
fn fuzz_smoke_markdown() {
    smoke("markdown", checks::markdown, 2);
}

#[test]
fn fuzz_smoke_comment_form() {
    smoke("comment_form", checks::comment_form, 3);
}

#[test]
fn fuzz_smoke_tokens() {
    smoke("tokens", checks::tokens, 4);
}

/// Every payload of the XSS corpus, as a post and as a comment, held to its policy by the HTML5 parser.
#[test]
fn xss_corpus_renders_within_the_policies() {
    let corpus = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/xss/payloads.txt")).unwrap();
    let payloads: Vec<String> = corpus.lines().filter(|l| !l.is_empty() && !l.starts_with("#|")).map(|l| l.replace("\\n", "\n")).collect();
    assert!(payloads.len() >= 150, "{} payloads", payloads.len());
    for payload in payloads {
        checks::markdown(payload.as_bytes());
    }
}

/// The policy check itself can fail: HTML with what a policy forbids is caught.
#[test]
fn the_policy_check_catches_forbidden_html() {
    use edge_blog::core::sanitize::{COMMENT, POST};
    let forbidden = [
        (&POST, "<script>alert(1)</script>"),
        (&POST, "<p onclick=\"x()\">p</p>"),
        (&POST, "<a href=\"javascript:x()\">a</a>"),
        (&POST, "<img src=\"data:text/html,x\">"),
        (&POST, "<h2 class=\"notice\">h</h2>"),
        (&POST, "<input type=\"text\">"),
        (&COMMENT, "<h1>h</h1>"),
        (&COMMENT, "<a href=\"/relative/\">a</a>"),
        (&COMMENT, "<img src=\"https://x.test/a.png\">"),
    ];
    for (policy, html) in forbidden {
        let caught = std::panic::catch_unwind(|| checks::assert_within(policy, html)).is_err();
        assert!(caught, "not caught: {html}");
    }
    checks::assert_within(&POST, "<p><a href=\"https://e.org\" rel=\"noopener\">e</a></p>");
}
