-- The genres of every anime, lower-cased by the engine as the genre filter
-- of the top lists compares them.
SELECT ag.anime_id, lower(g.name) AS genre
FROM anime_genre ag
JOIN genre g ON g.genre_id = ag.genre_id
