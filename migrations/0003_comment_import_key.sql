-- Comments brought in by `blog import-wxr`: a key derived from the post, author, time and text, so that
-- importing the same export again (or an export of this blog) stores nothing twice. NULL for comments
-- written here; SQLite's unique indexes allow any number of NULLs.
ALTER TABLE comments ADD COLUMN import_key TEXT;
CREATE UNIQUE INDEX comments_by_import_key ON comments (import_key);
