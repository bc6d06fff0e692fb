-- schema/queries/most_watched.sql (`animetl query most-watched`), same
-- columns, numbers and order, with optional filters: $2 a type, $3 a genre
-- name (both case-insensitive; '' means any).
SELECT a.anime_id, a.name, s.watching, s.list_users, s.rating_mean
FROM anime_stats s
JOIN anime a ON a.anime_id = s.anime_id
WHERE s.watching > 0
  AND (CAST($2 AS TEXT) = '' OR lower(a.type) = lower(CAST($2 AS TEXT)))
  AND (CAST($3 AS TEXT) = '' OR EXISTS (
        SELECT 1 FROM anime_genre ag JOIN genre g ON g.genre_id = ag.genre_id
        WHERE ag.anime_id = a.anime_id AND lower(g.name) = lower(CAST($3 AS TEXT))))
ORDER BY s.watching DESC, a.anime_id
LIMIT $1
