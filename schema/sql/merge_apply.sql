-- PostgreSQL's end of the merge (day_keys.sql made ua_keys; merge_old.sql
-- copied the rows this DELETE removes, and postgres/finalize.go checks that
-- it removed as many): in the run's transaction, which the publish commits.
DELETE FROM user_anime AS u
USING ua_keys k
WHERE u.user_id = k.user_id AND u.anime_id = k.anime_id;

-- In key order: the primary key's pages are then written left to right.
INSERT INTO user_anime (user_id, anime_id, watching_status, rating, watched_episodes)
SELECT user_id, anime_id, watching_status, rating, watched_episodes
FROM list_load
ORDER BY user_id, anime_id;
