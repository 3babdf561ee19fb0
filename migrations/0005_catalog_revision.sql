-- The catalog's revision: every write to `posts` moves it on by one, in the same transaction. A publish compares it
-- before and after storing the index, and builds the index again from the catalog when another request wrote
-- meanwhile (app::publishing). One row, which the key's check keeps one.
CREATE TABLE catalog (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
INSERT INTO catalog (id, revision) VALUES (1, 0);
