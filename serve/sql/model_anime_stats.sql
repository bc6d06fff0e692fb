-- Every anime_stats row (anime_stats.sql for all at once).
SELECT * FROM anime_stats
