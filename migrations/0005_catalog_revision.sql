-- The catalog's revision: every write to `posts` moves it on by one, in the same transaction. A publish through the
-- worker compares it before and after storing the index, and builds the index again from the catalog when another
-- request wrote meanwhile (app::publishing).
CREATE TABLE catalog (revision INTEGER NOT NULL);
INSERT INTO catalog (revision) VALUES (0);
