-- anime_score_votes.sql for every anime at once: the anime first, then its
-- columns in the same order.
SELECT anime_id AS model_anime_id, score, votes FROM anime_score_votes ORDER BY anime_id, score DESC
