-- Anime whose name, English name or Japanese name contains $1, case-
-- insensitively. Best matches first: the name itself, then names that
-- start with it, then names that contain it, then the other names; among
-- equals the better known (members) first.
WITH p AS (SELECT lower(CAST($1 AS TEXT)) AS q)
SELECT a.anime_id, a.name, a.english_name, a.japanese_name, a.type, a.score, a.members,
       CASE WHEN lower(a.name) = p.q THEN 0
            WHEN strpos(lower(a.name), p.q) = 1 THEN 1
            WHEN strpos(lower(a.name), p.q) > 0 THEN 2
            ELSE 3 END AS match_rank
FROM anime a, p
WHERE strpos(lower(a.name), p.q) > 0
   OR strpos(lower(a.english_name), p.q) > 0
   OR strpos(lower(a.japanese_name), p.q) > 0
ORDER BY match_rank, a.members DESC NULLS LAST, a.anime_id
LIMIT $2
