-- anime_status_counts.sql for every anime at once: the anime first, then
-- its columns in the same order.
SELECT c.anime_id AS model_anime_id, c.watching_status AS status, ws.description,
       COALESCE(ws.is_documented, false) AS is_documented, c.entries, c.ratings, c.rating_sum
FROM anime_status_stats c
LEFT JOIN watching_status ws ON ws.status = c.watching_status
ORDER BY c.anime_id, c.watching_status
