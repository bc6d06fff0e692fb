-- The rows of user_anime the day's merge replaces or removes, before it
-- does (merge.sql): the marts are updated by them (aggregate_delta.sql).
INSERT INTO {{.Scratch}}ua_old (anime_id, watching_status, rating)
SELECT u.anime_id, u.watching_status, u.rating
FROM {{.Scratch}}ua_keys k
JOIN user_anime u ON u.user_id = k.user_id AND u.anime_id = k.anime_id;
