-- Every anime, every column (anime.sql for all at once).
SELECT * FROM anime ORDER BY anime_id
