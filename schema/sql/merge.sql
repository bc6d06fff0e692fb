-- Merge the daily deltas into user_anime: the upserts (list_load, repeats
-- already resolved: one row per key, from its latest file) and the deletes.
-- For each key the latest file wins: an upsert after a delete brings the
-- entry back, a delete after an upsert removes it; a day's deletes sort
-- after its upserts. The replaced and removed entries go to ua_old, for the
-- marts' update.
DELETE FROM {{.Scratch}}list_load AS d
WHERE EXISTS (SELECT 1 FROM {{.Scratch}}delete_load x
              WHERE x.user_id = d.user_id AND x.anime_id = d.anime_id AND x.file_id > d.file_id);

DELETE FROM {{.Scratch}}delete_load AS x
WHERE EXISTS (SELECT 1 FROM {{.Scratch}}list_load d
              WHERE d.user_id = x.user_id AND d.anime_id = x.anime_id AND d.file_id > x.file_id);
{{if not .Dialect.RangedDeletes}}
-- The keys the day touches, with statistics, so the planner looks each up
-- in user_anime's primary key instead of scanning it; in key order, so the
-- lookups walk the index from left to right (half the time of a day's keys
-- in the order its files gave them).
CREATE TABLE ua_keys AS
SELECT user_id, anime_id FROM list_load
UNION
SELECT user_id, anime_id FROM delete_load
ORDER BY user_id, anime_id;

ANALYZE ua_keys;

-- One pass: the removed rows come back from the DELETE.
WITH gone AS (
    DELETE FROM user_anime AS u
    USING ua_keys k
    WHERE u.user_id = k.user_id AND u.anime_id = k.anime_id
    RETURNING u.anime_id, u.watching_status, u.rating
)
INSERT INTO ua_old (anime_id, watching_status, rating)
SELECT anime_id, watching_status, rating FROM gone;
{{else}}
-- The keys the day touches.
CREATE TABLE {{.Scratch}}ua_keys AS
SELECT user_id, anime_id FROM {{.Scratch}}list_load
UNION
SELECT user_id, anime_id FROM {{.Scratch}}delete_load;

INSERT INTO {{.Scratch}}ua_old (anime_id, watching_status, rating)
SELECT u.anime_id, u.watching_status, u.rating
FROM user_anime u
JOIN {{.Scratch}}ua_keys k ON k.user_id = u.user_id AND k.anime_id = u.anime_id;
-- DuckDB then removes these rows and inserts the upserts range by range
-- (merge_duckdb.sql, duckdb/merge.go).
{{end}}
{{- if not .Dialect.RangedDeletes}}
-- In key order: the primary key's pages are then written left to right.
INSERT INTO user_anime (user_id, anime_id, watching_status, rating, watched_episodes)
SELECT user_id, anime_id, watching_status, rating, watched_episodes
FROM {{.Scratch}}list_load
ORDER BY user_id, anime_id;
{{- end}}
