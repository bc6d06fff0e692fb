-- Merge the daily deltas into user_anime: the upserts (list_load, repeats
-- already resolved: one row per key, from its latest file) and the deletes.
-- For each key the latest file wins: an upsert after a delete brings the
-- entry back, a delete after an upsert removes it; a day's deletes sort
-- after its upserts. After day_keys.sql made ua_keys (and the repeats of
-- list_load were resolved), this file matches the upserts and deletes, then
-- merge_old.sql copies the rows the merge replaces or removes to ua_old
-- (for the marts' update), and the engine's end of the merge
-- (merge_apply.sql on PostgreSQL, merge_duckdb.sql on DuckDB) changes
-- user_anime. Only that end writes user_anime, so the rest runs before it,
-- or beside it on another connection: the rows it copies are the ones the
-- end removes (the run holds the warehouse's lock; the end checks the count).
DELETE FROM {{.Scratch}}list_load AS d
WHERE EXISTS (SELECT 1 FROM {{.Scratch}}delete_load x
              WHERE x.user_id = d.user_id AND x.anime_id = d.anime_id AND x.file_id > d.file_id);

DELETE FROM {{.Scratch}}delete_load AS x
WHERE EXISTS (SELECT 1 FROM {{.Scratch}}list_load d
              WHERE d.user_id = x.user_id AND d.anime_id = x.anime_id AND d.file_id > x.file_id);
