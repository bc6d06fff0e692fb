-- Every column of one anime.
SELECT * FROM anime WHERE anime_id = $1
