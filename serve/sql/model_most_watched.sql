-- most_watched.sql without its filters, for the published run's model:
-- every candidate in the same order, and the type lower-cased by the
-- engine as the type filter compares it.
SELECT a.anime_id, a.name, s.watching, s.list_users, s.rating_mean, lower(a.type) AS filter_type
FROM anime_stats s
JOIN anime a ON a.anime_id = s.anime_id
WHERE s.watching > 0
ORDER BY s.watching DESC, a.anime_id
