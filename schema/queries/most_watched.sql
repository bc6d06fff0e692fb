-- Anime most people are watching right now: users whose status is
-- Currently Watching (1).
SELECT a.anime_id, a.name, s.watching, s.list_users, s.rating_mean
FROM anime_stats s
JOIN anime a ON a.anime_id = s.anime_id
WHERE s.watching > 0
ORDER BY s.watching DESC, a.anime_id
LIMIT $1
