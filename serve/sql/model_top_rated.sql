-- top_rated.sql without its filters, for the published run's model: every
-- candidate in the same order (the engine's, NULLs included), and the type
-- lower-cased by the engine as the type filter compares it.
SELECT a.anime_id, a.name, s.ratings, s.rating_mean, s.rating_weighted, a.score AS catalogue_score,
       lower(a.type) AS filter_type
FROM anime_stats s
JOIN anime a ON a.anime_id = s.anime_id
ORDER BY s.rating_mean DESC, s.rating_weighted DESC, a.anime_id
