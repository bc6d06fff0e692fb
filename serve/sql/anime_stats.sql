-- The anime_stats row of one anime.
SELECT * FROM anime_stats WHERE anime_id = $1
