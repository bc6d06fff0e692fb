-- Incremental runs: merge the day's upserts ({{.ListTable}}, repeats already
-- resolved: one row per key, from its latest file) and deletes into the
-- published user_anime. For each key the latest file wins: an upsert after
-- a delete brings the entry back, a delete after an upsert removes it.
DELETE FROM {{.ListTable}} AS d
WHERE EXISTS (SELECT 1 FROM {{.Scratch}}delete_load x
              WHERE x.user_id = d.user_id AND x.anime_id = d.anime_id AND x.file_id > d.file_id);

DELETE FROM {{.Scratch}}delete_load AS x
WHERE EXISTS (SELECT 1 FROM {{.ListTable}} d
              WHERE d.user_id = x.user_id AND d.anime_id = x.anime_id AND d.file_id > x.file_id);

DELETE FROM user_anime AS u
USING (SELECT user_id, anime_id FROM {{.ListTable}}
       UNION
       SELECT user_id, anime_id FROM {{.Scratch}}delete_load) k
WHERE u.user_id = k.user_id AND u.anime_id = k.anime_id;

INSERT INTO user_anime (user_id, anime_id, watching_status, rating, watched_episodes)
SELECT user_id, anime_id, watching_status, rating, watched_episodes
FROM {{.ListTable}};
