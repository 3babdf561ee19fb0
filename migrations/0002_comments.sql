-- Readers' comments. No column ever holds a client address.
CREATE TABLE comments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  post TEXT NOT NULL,                 -- the post's slug
  parent INTEGER,                     -- the comment replied to, if any
  author TEXT NOT NULL,               -- display name
  email TEXT,                         -- optional, never shown; removed after RETENTION_DAYS
  email_hash TEXT,                    -- keyed hash, to recognise a returning commenter
  url TEXT,
  body TEXT NOT NULL,                 -- Markdown as written
  body_html TEXT NOT NULL,            -- rendered and sanitized
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'spam', 'trash')),
  held_reason TEXT,                   -- which rule held it, for the moderator
  created_at TEXT NOT NULL,           -- YYYY-MM-DDTHH:MM:SSZ
  updated_at TEXT NOT NULL,
  manage_hash TEXT NOT NULL UNIQUE,   -- SHA-256 of the commenter's private key
  body_hash TEXT NOT NULL             -- for the duplicate check
);

-- The post page: approved comments of one post in order.
CREATE INDEX comments_by_post ON comments (post, status, created_at);
-- The moderation queue: comments by status, newest first.
CREATE INDEX comments_by_status ON comments (status, created_at);
-- Duplicate check and returning commenters.
CREATE INDEX comments_by_body ON comments (post, body_hash, created_at);
CREATE INDEX comments_by_email ON comments (email_hash, status);

-- Comment rate limits, keyed by a daily-salted hash of the client address; rows expire.
CREATE TABLE rate_limits (
  key TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  expires_at TEXT NOT NULL
);
