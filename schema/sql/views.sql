-- Seed-compatible views: the original project's queries run unchanged.
-- Column names are unquoted on purpose: PostgreSQL folds them to lower case
-- and DuckDB matches them case-insensitively, so "SELECT Score FROM
-- anime_master" works on both. Missing values are NULL, not 0 or "Unknown".
CREATE VIEW anime_master AS
SELECT a.anime_id AS MAL_ID,
       a.name AS Name,
       a.score AS Score,
       (SELECT string_agg(g.name, ', ' ORDER BY g.name COLLATE "C")
        FROM anime_genre ag JOIN genre g ON g.genre_id = ag.genre_id
        WHERE ag.anime_id = a.anime_id) AS Genres
FROM anime a
WHERE NOT a.is_inferred;

CREATE VIEW anime_meta AS
SELECT a.anime_id AS MAL_ID,
       a.english_name AS English_name,
       a.japanese_name AS Japanese_name,
       a.type AS Type,
       a.episodes AS Episodes,
       a.aired_raw AS Aired,
       CASE WHEN a.premiered_season IS NULL THEN NULL
            ELSE a.premiered_season || ' ' || CAST(a.premiered_year AS TEXT) END AS Premiered,
       (SELECT string_agg(p.name, ', ' ORDER BY p.name COLLATE "C")
        FROM anime_producer ap JOIN producer p ON p.producer_id = ap.producer_id
        WHERE ap.anime_id = a.anime_id) AS Producers,
       (SELECT string_agg(l.name, ', ' ORDER BY l.name COLLATE "C")
        FROM anime_licensor al JOIN licensor l ON l.licensor_id = al.licensor_id
        WHERE al.anime_id = a.anime_id) AS Licensors,
       (SELECT string_agg(s.name, ', ' ORDER BY s.name COLLATE "C")
        FROM anime_studio ast JOIN studio s ON s.studio_id = ast.studio_id
        WHERE ast.anime_id = a.anime_id) AS Studios,
       a.source AS Source,
       a.duration_minutes AS Duration,
       a.age_rating AS Rating,
       a.ranked AS Ranked,
       a.popularity AS Popularity,
       a.members AS Members,
       a.favorites AS Favorites,
       a.watching AS Watching,
       a.completed AS Completed,
       a.on_hold AS On_Hold,
       a.dropped AS Dropped,
       a.plan_to_watch AS Plan_to_Watch
FROM anime a
WHERE NOT a.is_inferred;

CREATE VIEW anime_score AS
SELECT a.anime_id AS MAL_ID,
       MAX(CASE WHEN v.score = 10 THEN v.votes END) AS Score_10,
       MAX(CASE WHEN v.score = 9 THEN v.votes END) AS Score_9,
       MAX(CASE WHEN v.score = 8 THEN v.votes END) AS Score_8,
       MAX(CASE WHEN v.score = 7 THEN v.votes END) AS Score_7,
       MAX(CASE WHEN v.score = 6 THEN v.votes END) AS Score_6,
       MAX(CASE WHEN v.score = 5 THEN v.votes END) AS Score_5,
       MAX(CASE WHEN v.score = 4 THEN v.votes END) AS Score_4,
       MAX(CASE WHEN v.score = 3 THEN v.votes END) AS Score_3,
       MAX(CASE WHEN v.score = 2 THEN v.votes END) AS Score_2,
       MAX(CASE WHEN v.score = 1 THEN v.votes END) AS Score_1
FROM anime a
LEFT JOIN anime_score_votes v ON v.anime_id = a.anime_id
WHERE NOT a.is_inferred
GROUP BY a.anime_id;

CREATE VIEW anime_watching_status AS
SELECT status, description
FROM watching_status;

CREATE VIEW anime_list AS
SELECT user_id, anime_id, watching_status, watched_episodes, rating
FROM user_anime;
