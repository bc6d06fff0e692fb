-- schema/queries/top_rated.sql (`animetl query top-rated`), same columns,
-- numbers and order, with optional filters: $3 a type, $4 a genre name
-- (both case-insensitive; '' means any).
SELECT a.anime_id, a.name, s.ratings, s.rating_mean, s.rating_weighted, a.score AS catalogue_score
FROM anime_stats s
JOIN anime a ON a.anime_id = s.anime_id
WHERE s.ratings >= $1
  AND (CAST($3 AS TEXT) = '' OR lower(a.type) = lower(CAST($3 AS TEXT)))
  AND (CAST($4 AS TEXT) = '' OR EXISTS (
        SELECT 1 FROM anime_genre ag JOIN genre g ON g.genre_id = ag.genre_id
        WHERE ag.anime_id = a.anime_id AND lower(g.name) = lower(CAST($4 AS TEXT))))
ORDER BY s.rating_mean DESC, s.rating_weighted DESC, a.anime_id
LIMIT $2
