-- One pass over the fact table: counts per anime and status, for the marts.
INSERT INTO {{.Scratch}}ua_agg (anime_id, watching_status, n, ratings, rating_sum)
SELECT anime_id, watching_status, count(*), count(rating), COALESCE(sum(rating), 0)
FROM user_anime
GROUP BY anime_id, watching_status;
