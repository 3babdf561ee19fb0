-- The catalog's revision: every write to `posts` moves it on by one, in the same transaction. A publish reads it
-- after storing the index, and builds and stores the index again from the catalog when another request wrote since
-- it built it (app::publishing). One row, which the key's check keeps one.
CREATE TABLE catalog (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
INSERT INTO catalog (id, revision) VALUES (1, 0);
