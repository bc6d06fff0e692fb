-- DuckDB's end of the merge (merge.sql made ua_keys, merge_old.sql ua_old), run by
-- duckdb/merge.go: the DELETE runs once per range [$1, $2) of user_anime's
-- row ids, so that its version data, pinned in memory until a checkpoint,
-- stays within the memory limit however long the history; it joins the keys
-- again in every range, so it never depends on a row id read before.
DELETE FROM user_anime AS u
USING {{.Scratch}}ua_keys k
WHERE u.rowid >= $1 AND u.rowid < $2
  AND u.user_id = k.user_id AND u.anime_id = k.anime_id;

INSERT INTO user_anime (user_id, anime_id, watching_status, rating, watched_episodes)
SELECT user_id, anime_id, watching_status, rating, watched_episodes
FROM {{.Scratch}}list_load;
