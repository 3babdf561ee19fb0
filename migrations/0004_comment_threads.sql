-- Each comment remembers the top-level comment of its thread, so that a post page can load one page
-- of threads (bounded work however many comments a post has). NULL means the comment is a root itself.
ALTER TABLE comments ADD COLUMN root INTEGER;

WITH RECURSIVE tree (id, root) AS (
  SELECT id, id FROM comments WHERE parent IS NULL
  UNION ALL
  SELECT c.id, tree.root FROM comments c JOIN tree ON c.parent = tree.id
)
UPDATE comments SET root = (SELECT root FROM tree WHERE tree.id = comments.id) WHERE parent IS NOT NULL;

CREATE INDEX comments_by_thread ON comments (post, status, root);
