-- The catalogue's votes per score of one anime, highest score first.
SELECT score, votes FROM anime_score_votes WHERE anime_id = $1 ORDER BY score DESC
