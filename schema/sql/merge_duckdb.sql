-- DuckDB's end of the merge (day_keys.sql made ua_keys, merge_old.sql ua_old), run by
-- duckdb/merge.go: the DELETE runs once per range [$1, $2) of user_anime's
-- row ids, the highest first, so that its version data, pinned in memory
-- until a checkpoint, stays within the memory limit however long the
-- history. It finds the rows by the row ids merge_old.sql read, the range's
-- few thousand rows of ua_old, not by joining all the day's keys again in
-- every range. A checkpoint after a range only moves rows of that range and
-- above, and a row is deleted only where its row id still holds its key,
-- so a moved row could only be missed, never delete another row, and the
-- count of rows deleted is checked.
DELETE FROM user_anime AS u
USING {{.Scratch}}ua_old o
WHERE u.rowid >= $1 AND u.rowid < $2
  AND o.row_ref >= $1 AND o.row_ref < $2
  AND u.rowid = o.row_ref AND u.user_id = o.user_id AND u.anime_id = o.anime_id;

INSERT INTO user_anime (user_id, anime_id, watching_status, rating, watched_episodes)
SELECT user_id, anime_id, watching_status, rating, watched_episodes
FROM {{.Scratch}}list_load;
