//! What an isolate has read from storage, trusted for a short window by every later request of that isolate.
//!
//! A post page would otherwise make a KV read and a D1 query per request, and on the edge those round trips cost
//! more than rendering the page. Writes made through this isolate clear the entries they change, so an author or
//! moderator sees their own change at once; changes made elsewhere (another isolate, `wrangler kv`) show within
//! the window, which is shorter than KV's own propagation time.

use std::cell::RefCell;
use std::collections::HashMap;
use std::thread::LocalKey;

/// Entries kept per memo; past this the memo starts again, so a crawl of every post cannot grow it without bound.
const MAX_ENTRIES: usize = 512;

pub type Entries<V> = RefCell<HashMap<String, (u64, V)>>;

/// One memo of an isolate: a `thread_local!` map from key to (time read in ms, value).
pub struct Memo<V: Clone + 'static> {
    entries: &'static LocalKey<Entries<V>>,
    /// How long an entry is trusted, in ms; 0 turns the memo off.
    window_ms: u64,
}

impl<V: Clone + 'static> Memo<V> {
    pub fn new(entries: &'static LocalKey<Entries<V>>, window_seconds: u64) -> Memo<V> {
        Memo { entries, window_ms: window_seconds * 1000 }
    }

    /// False when the window is 0: nothing read is reused.
    pub fn enabled(&self) -> bool {
        self.window_ms > 0
    }

    /// The value read for `key` within the window, if any.
    pub fn get(&self, key: &str) -> Option<V> {
        if self.window_ms == 0 {
            return None;
        }
        let now = now_ms();
        self.entries.with(|m| m.borrow().get(key).filter(|(at, _)| now.saturating_sub(*at) < self.window_ms).map(|(_, v)| v.clone()))
    }

    pub fn put(&self, key: &str, value: V) {
        if self.window_ms == 0 {
            return;
        }
        let now_ms = now_ms();
        self.entries.with(|m| {
            let mut m = m.borrow_mut();
            if m.len() >= MAX_ENTRIES {
                m.clear();
            }
            m.insert(key.to_string(), (now_ms, value));
        });
    }

    pub fn forget(&self, key: &str) {
        self.entries.with(|m| m.borrow_mut().remove(key));
    }

    pub fn clear(&self) {
        self.entries.with(|m| m.borrow_mut().clear());
    }
}

/// The isolate's clock: it advances between requests and across I/O, which is all a window needs.
pub fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}
