-- Anime of the catalogue per type (TV, Movie, ...), NULL as 'Unknown';
-- anime only seen in user lists (inferred) have no type and are left out.
-- Largest first.
SELECT COALESCE(type, 'Unknown') AS type, count(*) AS anime
FROM anime
WHERE NOT is_inferred
GROUP BY 1
ORDER BY 2 DESC, 1
