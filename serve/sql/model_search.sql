-- search.sql's candidates, for the published run's model: its columns (but
-- match_rank) for every anime in its order among equal ranks, and the three
-- names lower-cased by the engine as the search compares them.
SELECT a.anime_id, a.name, a.english_name, a.japanese_name, a.type, a.score, a.members,
       lower(a.name) AS l_name, lower(a.english_name) AS l_english, lower(a.japanese_name) AS l_japanese
FROM anime a
ORDER BY a.members DESC NULLS LAST, a.anime_id
