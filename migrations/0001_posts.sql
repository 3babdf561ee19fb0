-- The catalog of published posts and pages: the source the KV site index is rebuilt from.
CREATE TABLE posts (
  kind TEXT NOT NULL CHECK (kind IN ('post', 'page')),
  slug TEXT NOT NULL,
  -- Fixed-width UTC text (YYYY-MM-DDTHH:MM:SSZ), so that text order is time order; '' for pages.
  published_at TEXT NOT NULL DEFAULT '',
  draft INTEGER NOT NULL DEFAULT 0,
  -- The PostSummary as JSON, exactly as the index holds it.
  summary TEXT NOT NULL,
  PRIMARY KEY (kind, slug)
);

-- Full-text search over titles and bodies.
CREATE VIRTUAL TABLE posts_fts USING fts5(
  kind UNINDEXED,
  slug UNINDEXED,
  title,
  body,
  tokenize = 'unicode61 remove_diacritics 2'
);
