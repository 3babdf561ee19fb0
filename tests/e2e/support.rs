//! `TestApp`: starts the real local runtime (wrangler dev, workerd) with its own port and fresh state,
//! and speaks HTTP to it.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const ADMIN_TOKEN: &str = "e2e-admin-token-0123456789";

pub struct TestApp {
    pub base: String,
    /// Requests received by the notification webhook listener, as (headers, body).
    pub webhook: Arc<Mutex<Vec<String>>>,
    pub root: PathBuf,
    pub state: PathBuf,
    pub config: PathBuf,
    pub dir: tempfile::TempDir,
    child: Child,
    agent: ureq::Agent,
}

/// What came back, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    #[track_caller]
    pub fn assert_contains(&self, needle: &str) {
        assert!(self.body.contains(needle), "expected {needle:?} in the body (status {}):\n{}", self.status, self.body);
    }

    #[track_caller]
    pub fn assert_lacks(&self, needle: &str) {
        assert!(!self.body.contains(needle), "did not expect {needle:?} in the body:\n{}", self.body);
    }
}

/// A form token's nonce, as the edge draws one for each page it shows: a new one each call, so that no two forms the
/// tests send are one form sent twice (which would lead to one comment and one private link).
pub fn nonce() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    format!("{}-{}", std::process::id(), NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The stylesheet's address on every page and on the panic page: `build.rs` and `make build` each compute the POSIX
/// checksum of `public/style.css`, computed here by `cksum` itself, so the tests hold the two to it (and `make build`
/// to putting the file there).
pub fn stylesheet_href() -> String {
    let out = Command::new("sh").args(["-c", "cksum < public/style.css"]).current_dir(project_root()).output().expect("cksum runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let sum = text.split_whitespace().next().filter(|_| out.status.success()).expect("cksum prints a checksum");
    format!("/static/style.{sum}.css")
}

pub fn stylesheet_link() -> String {
    format!("<link rel=\"stylesheet\" href=\"{}\">", stylesheet_href())
}

pub fn wrangler() -> PathBuf {
    project_root().join("node_modules/.bin/wrangler")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port on 127.0.0.1")
}

impl TestApp {
    /// Builds a test config (no `[build]`: `make build` ran before), migrates fresh state, publishes
    /// `content/`, then starts `wrangler dev` and waits until it answers.
    pub fn start() -> TestApp {
        TestApp::start_with(|_| {})
    }

    /// Like [`TestApp::start`], but the runtime runs with the test config changed by `adjust` (a binding removed,
    /// a var raised); migrations and content are applied with the whole config first.
    pub fn start_with(adjust: impl FnOnce(&mut toml::Table)) -> TestApp {
        let root = project_root();
        for built in ["build/index.js", "build/public"] {
            assert!(root.join(built).exists(), "{built} is missing: run `make build` first (make test does)");
        }
        let dir = tempfile::Builder::new().prefix("edge-blog-e2e-").tempdir().expect("temp dir");
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let state = dir.path().join("state");
        let config = dir.path().join("wrangler.toml");
        let (webhook_url, webhook) = start_webhook_listener();
        let mut table = test_config(&root, &base, &webhook_url);
        std::fs::write(&config, toml::to_string(&table).expect("config serializes")).expect("write test config");

        run(Command::new(wrangler())
            .args(["d1", "migrations", "apply", "DB", "--local"])
            .arg("--config")
            .arg(&config)
            .arg("--persist-to")
            .arg(&state));
        run(Command::new(env!("CARGO_BIN_EXE_blog"))
            .args(["publish", "--local"])
            .arg("--config")
            .arg(&config)
            .arg("--persist-to")
            .arg(&state)
            .arg(root.join("content"))
            .current_dir(&root));
        adjust(&mut table);
        std::fs::write(&config, toml::to_string(&table).expect("config serializes")).expect("write test config");

        let log = std::fs::File::create(dir.path().join("wrangler.log")).expect("log file");
        let mut cmd = Command::new(wrangler());
        cmd.args(["dev", "--local", "--ip", "127.0.0.1", "--show-interactive-dev-session=false", "--test-scheduled"])
            .arg("--port")
            .arg(port.to_string())
            .arg("--config")
            .arg(&config)
            .arg("--persist-to")
            .arg(&state)
            .arg("--var")
            .arg(format!("ADMIN_TOKEN:{ADMIN_TOKEN}"))
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .current_dir(&root)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().expect("start wrangler dev");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            // Below the 5 s after which wrangler dev's Node server closes an idle connection: a request sent on one it
            // just closed fails with a broken pipe (a POST is not sent again), as after a test that waits on the log.
            .max_idle_age(Duration::from_secs(2))
            .build()
            .new_agent();
        let app = TestApp { base, webhook, root, state, config, dir, child, agent };
        app.wait_until_ready();
        app
    }

    fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if self.agent.get(&format!("{}/robots.txt", self.base)).call().is_ok_and(|r| r.status() == 200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!("wrangler dev did not answer on {} within 90 s; its log:\n{}", self.base, self.log());
    }

    /// What `wrangler dev` has printed so far: its requests and the worker's console.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("wrangler.log")).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn read(&self, result: Result<ureq::http::Response<ureq::Body>, ureq::Error>, what: &str) -> Resp {
        let mut response = result.unwrap_or_else(|e| panic!("{what}: {e}"));
        let status = response.status().as_u16();
        let headers =
            response.headers().iter().map(|(k, v)| (k.as_str().to_ascii_lowercase(), v.to_str().unwrap_or_default().to_string())).collect();
        let body = response.body_mut().with_config().limit(50 * 1024 * 1024).read_to_string().unwrap_or_default();
        let resp = Resp { status, headers, body };
        // Every page is a whole document: a page model's `render()` alone would serve its content without one.
        if resp.header("content-type").is_some_and(|t| t.starts_with("text/html")) && !resp.body.is_empty() {
            assert!(resp.body.starts_with("<!doctype html>"), "{what}: an HTML reply that is not a whole document:\n{}", resp.body);
        }
        resp
    }

    pub fn get(&self, path: &str) -> Resp {
        self.read(self.agent.get(&self.url(path)).call(), &format!("GET {path}"))
    }

    /// `/sitemap.xml` and every sitemap it lists, as one response: all a search engine reads of the site. Each must
    /// answer 200.
    pub fn sitemaps(&self) -> Resp {
        let index = self.get("/sitemap.xml");
        assert_eq!(index.status, 200, "GET /sitemap.xml");
        let mut body = index.body.clone();
        for loc in index.body.split("<loc>").skip(1).filter_map(|l| l.split("</loc>").next()) {
            let path = loc.strip_prefix(&self.base).unwrap_or_else(|| panic!("{loc} is not on {}", self.base));
            let sitemap = self.get(path);
            assert_eq!(sitemap.status, 200, "GET {path}");
            body.push_str(&sitemap.body);
        }
        Resp { status: 200, headers: index.headers, body }
    }

    pub fn get_with(&self, path: &str, header: (&str, &str)) -> Resp {
        self.read(self.agent.get(&self.url(path)).header(header.0, header.1).call(), &format!("GET {path}"))
    }

    pub fn head(&self, path: &str) -> Resp {
        self.read(self.agent.head(&self.url(path)).call(), &format!("HEAD {path}"))
    }

    pub fn post_raw(&self, path: &str, content_type: &str, body: &str) -> Resp {
        self.read(self.agent.post(&self.url(path)).header("Content-Type", content_type).send(body), &format!("POST {path}"))
    }

    /// GET with extra headers (a cookie, an origin).
    pub fn get_headers(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.agent.get(&self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.read(req.call(), &format!("GET {path}"))
    }

    /// PUT or DELETE with extra headers and no credentials unless given.
    pub fn send_headers(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
        let url = self.url(path);
        let result = if method == "DELETE" {
            let mut req = self.agent.delete(&url);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            req.call()
        } else {
            let mut req = self.agent.put(&url);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            req.send(body)
        };
        self.read(result, &format!("{method} {path}"))
    }

    /// POST a urlencoded form with extra headers.
    pub fn post_form_headers(&self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Resp {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let mut req = self.agent.post(&self.url(path)).header("Content-Type", "application/x-www-form-urlencoded");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.read(req.send(&body), &format!("POST {path}"))
    }

    /// Sends `request` as it is (request line, headers, body) over a fresh connection and reads the whole reply.
    /// For requests an HTTP client refuses to build: odd methods, huge or broken headers, invalid UTF-8.
    pub fn raw(&self, request: &[u8]) -> Resp {
        let address = self.base.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).expect("connect to the local runtime");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        // The server may answer and close before reading everything (a refused huge header): keep what came back.
        let _ = stream.write_all(request);
        // Read until the response is complete rather than until the connection closes: the local runtime keeps some
        // connections open despite `Connection: close`, which would cost the read timeout on every request.
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        while raw_response_length(&bytes).is_none_or(|length| bytes.len() < length) {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
        let headers: HashMap<String, String> =
            lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
        let body = if headers.get("transfer-encoding").is_some_and(|t| t.contains("chunked")) { dechunk(body) } else { body.to_string() };
        Resp { status, headers, body }
    }

    /// `wrangler <args>` with this app's config and local state.
    fn wrangler(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(wrangler());
        cmd.args(args).arg("--config").arg(&self.config).arg("--persist-to").arg(&self.state).env("WRANGLER_SEND_METRICS", "false");
        cmd
    }

    /// Runs a SQL statement on the local D1 of this app and returns the result rows.
    ///
    /// wrangler opens the same SQLite file as the running workerd, so a moment of `SQLITE_BUSY` is retried.
    pub fn d1(&self, sql: &str) -> Vec<serde_json::Value> {
        let mut attempt = 0;
        loop {
            let out = self.wrangler(&["d1", "execute", "DB", "--local", "--json", "--command", sql]).output().expect("wrangler d1 execute");
            let stderr = String::from_utf8_lossy(&out.stderr);
            if !out.status.success() && stderr.contains("SQLITE_BUSY") && attempt < 10 {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(300));
                continue;
            }
            assert!(out.status.success(), "{sql}: {stderr}{}", String::from_utf8_lossy(&out.stdout));
            let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON from wrangler");
            return parsed[0]["results"].as_array().cloned().unwrap_or_default();
        }
    }

    /// Runs `wrangler kv <args> --binding POSTS --local` on this app's KV and returns its standard output.
    pub fn kv(&self, args: &[&str]) -> String {
        let args = [&["kv"], args, &["--binding", "POSTS", "--local"]].concat();
        let out = self.wrangler(&args).output().expect("wrangler kv");
        assert!(out.status.success(), "kv {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// POSTs a urlencoded form as a reader at `client` (sent as `CF-Connecting-IP`).
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)], client: &str) -> Resp {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let req =
            self.agent.post(&self.url(path)).header("Content-Type", "application/x-www-form-urlencoded").header("CF-Connecting-IP", client);
        self.read(req.send(&body), &format!("POST {path}"))
    }

    /// A call to the admin API with the admin token.
    pub fn admin(&self, method: &str, path: &str) -> Resp {
        let url = self.url(path);
        let auth = format!("Bearer {ADMIN_TOKEN}");
        let result = match method {
            "GET" => self.agent.get(&url).header("Authorization", &auth).call(),
            "DELETE" => self.agent.delete(&url).header("Authorization", &auth).call(),
            _ => self.agent.post(&url).header("Authorization", &auth).send_empty(),
        };
        self.read(result, &format!("{method} {path}"))
    }

    /// `PUT /admin/api/posts/<slug>` with the admin token.
    pub fn put_post(&self, slug: &str, markdown: &str) -> Resp {
        self.put_doc("posts", slug, markdown, Some(ADMIN_TOKEN))
    }

    pub fn put_doc(&self, kind: &str, slug: &str, markdown: &str, token: Option<&str>) -> Resp {
        let mut req = self.agent.put(&self.url(&format!("/admin/api/{kind}/{slug}"))).header("Content-Type", "text/markdown");
        if let Some(token) = token {
            req = req.header("Authorization", &format!("Bearer {token}"));
        }
        self.read(req.send(markdown), &format!("PUT {kind}/{slug}"))
    }

    pub fn delete_post(&self, slug: &str, token: Option<&str>) -> Resp {
        self.delete_doc("posts", slug, token)
    }

    pub fn delete_doc(&self, kind: &str, slug: &str, token: Option<&str>) -> Resp {
        let mut req = self.agent.delete(&self.url(&format!("/admin/api/{kind}/{slug}")));
        if let Some(token) = token {
            req = req.header("Authorization", &format!("Bearer {token}"));
        }
        self.read(req.call(), &format!("DELETE {kind}/{slug}"))
    }

    /// Runs the `blog` CLI from the project root against this app's config and state.
    pub fn blog_publish_local(&self, dir: &Path) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_blog"))
            .args(["publish", "--local"])
            .arg("--config")
            .arg(&self.config)
            .arg("--persist-to")
            .arg(&self.state)
            .arg(dir)
            .current_dir(&self.root)
            .output()
            .expect("run blog publish")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // wrangler runs workerd as a child and outlives SIGTERM: kill the whole process group.
        let group = self.child.id() as i32;
        // SAFETY: kill(2) with a negative pid signals a process group; it has no memory effects.
        unsafe { libc::kill(-group, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

#[track_caller]
fn run(cmd: &mut Command) {
    let out = cmd.env("WRANGLER_SEND_METRICS", "false").output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed:\n{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// A tiny HTTP server on 127.0.0.1 that records each request and answers 204; it lives as long as the tests.
fn start_webhook_listener() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("webhook listener");
    let url = format!("http://127.0.0.1:{}/hook", listener.local_addr().expect("addr").port());
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut head = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                head.push_str(&line);
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            sink.lock().expect("lock").push(format!("{head}\r\n{}", String::from_utf8_lossy(&body)));
            let _ = reader.get_mut().write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        }
    });
    (url, received)
}

/// The project's wrangler.toml without `[build]`, with absolute paths and test settings.
fn test_config(root: &Path, base: &str, webhook: &str) -> toml::Table {
    let text = std::fs::read_to_string(root.join("wrangler.toml")).expect("wrangler.toml");
    let mut config: toml::Table = text.parse().expect("wrangler.toml parses");
    config.remove("build");
    let abs = |p: &str| root.join(p).to_string_lossy().into_owned();
    config.insert("main".into(), abs("src/edge/entry.mjs").into());
    if let Some(toml::Value::Table(assets)) = config.get_mut("assets") {
        assets.insert("directory".into(), abs("build/public").into());
    }
    if let Some(toml::Value::Array(dbs)) = config.get_mut("d1_databases") {
        for db in dbs.iter_mut().filter_map(toml::Value::as_table_mut) {
            db.insert("migrations_dir".into(), abs("migrations").into());
        }
    }
    if let Some(toml::Value::Table(vars)) = config.get_mut("vars") {
        vars.insert("SITE_URL".into(), base.into());
        vars.insert("POSTS_PER_PAGE".into(), "3".into());
        vars.insert("COMMENT_MIN_SECONDS".into(), "3".into());
        vars.insert("COMMENT_RATE_LIMIT".into(), "5".into());
        vars.insert("COMMENT_AUTO_APPROVE_KNOWN".into(), "true".into());
        vars.insert("COMMENT_HOLD_WORDS".into(), "refund, lawsuit".into());
        vars.insert("COMMENT_SPAM_WORDS".into(), "casino".into());
        vars.insert("NOTIFY_WEBHOOK_URL".into(), webhook.into());
        vars.insert("RETENTION_DAYS".into(), "30".into());
        // The tests publish with the CLI and check at once; the cache gets its own test (`cache_` in faults.rs).
        vars.insert("CACHE_SECONDS".into(), "0".into());
        vars.insert("COMMENTS_PER_PAGE".into(), "3".into());
    }
    config
}

/// Sets a `[vars]` entry of a test config (for [`TestApp::start_with`]).
pub fn set_var(config: &mut toml::Table, name: &str, value: &str) {
    if let Some(toml::Value::Table(vars)) = config.get_mut("vars") {
        vars.insert(name.into(), value.into());
    }
}

/// The full length of a raw HTTP/1.1 response once its head has arrived, if it can be known before the connection
/// closes: head plus `Content-Length`, or everything up to the last chunk of a chunked body.
fn raw_response_length(bytes: &[u8]) -> Option<usize> {
    let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&bytes[..head_end]).to_ascii_lowercase();
    let header = |name: &str| head.lines().find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()));
    if let Some(length) = header("content-length:").and_then(|v| v.parse::<usize>().ok()) {
        return Some(head_end + length);
    }
    if header("transfer-encoding:").is_some_and(|v| v.contains("chunked")) {
        return bytes.ends_with(b"0\r\n\r\n").then_some(bytes.len());
    }
    let status = head.split_whitespace().nth(1).unwrap_or_default();
    (status == "304" || status == "204").then_some(head_end)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}
