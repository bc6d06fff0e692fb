-- Per genre: the anime in it, their list entries and ratings, and the mean
-- of those ratings (exact: the sum of ratings over their number). Largest
-- genres first.
WITH per_anime AS (
    SELECT anime_id, SUM(entries) AS entries, SUM(ratings) AS ratings, SUM(rating_sum) AS rating_sum
    FROM anime_status_stats
    GROUP BY anime_id
)
SELECT g.genre_id, g.name AS genre, count(*) AS anime,
       CAST(COALESCE(SUM(p.entries), 0) AS BIGINT) AS list_entries,
       CAST(COALESCE(SUM(p.ratings), 0) AS BIGINT) AS ratings,
       CAST(SUM(p.rating_sum) AS DOUBLE PRECISION) / NULLIF(CAST(SUM(p.ratings) AS DOUBLE PRECISION), 0) AS rating_mean
FROM genre g
JOIN anime_genre ag ON ag.genre_id = g.genre_id
LEFT JOIN per_anime p ON p.anime_id = ag.anime_id
GROUP BY g.genre_id, g.name
ORDER BY 3 DESC, g.name
