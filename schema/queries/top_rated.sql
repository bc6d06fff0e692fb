-- Anime users rate highest: mean user rating among anime with at least $1
-- ratings; ties broken by the Bayesian weighted rating, then by id.
SELECT a.anime_id, a.name, s.ratings, s.rating_mean, s.rating_weighted, a.score AS catalogue_score
FROM anime_stats s
JOIN anime a ON a.anime_id = s.anime_id
WHERE s.ratings >= $1
ORDER BY s.rating_mean DESC, s.rating_weighted DESC, a.anime_id
LIMIT $2
