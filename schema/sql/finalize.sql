-- Build the published model from the load tables, user_anime and ua_agg.
-- Runs after the engine has made user_anime (deduplicated, keyed) and filled
-- ua_agg (aggregate.sql or the pipeline's counts).

-- List counts per anime and status, undocumented codes included: a mart of
-- its own, and what the next incremental run updates instead of counting
-- user_anime again.
INSERT INTO anime_status_stats (anime_id, watching_status, entries, ratings, rating_sum)
SELECT anime_id, watching_status, n, ratings, rating_sum FROM {{.Scratch}}ua_agg;

-- The status lookup, plus the codes lists use and the lookup lacks.
INSERT INTO watching_status (status, description, is_documented)
SELECT status, description, TRUE FROM {{.Scratch}}status_load
UNION ALL
SELECT DISTINCT g.watching_status, NULL, FALSE
FROM {{.Scratch}}ua_agg g
WHERE NOT EXISTS (SELECT 1 FROM {{.Scratch}}status_load s WHERE s.status = g.watching_status);

-- The catalogue with its synopses.
INSERT INTO anime (anime_id, name, english_name, japanese_name, type, episodes, aired_raw,
                   aired_from, aired_to, premiered_season, premiered_year, source,
                   duration_minutes, age_rating, score, ranked, popularity, members, favorites,
                   watching, completed, on_hold, dropped, plan_to_watch, synopsis, is_inferred)
SELECT a.anime_id, a.name, a.english_name, a.japanese_name, a.type, a.episodes, a.aired_raw,
       a.aired_from, a.aired_to, a.premiered_season, a.premiered_year, a.source,
       a.duration_minutes, a.age_rating, a.score, a.ranked, a.popularity, a.members, a.favorites,
       a.watching, a.completed, a.on_hold, a.dropped, a.plan_to_watch, s.synopsis, FALSE
FROM {{.Scratch}}anime_load a
LEFT JOIN {{.Scratch}}synopsis_load s ON s.anime_id = a.anime_id;

-- Inferred entries: ids that only the lists (or only the synopses) know.
INSERT INTO anime (anime_id, name, synopsis, is_inferred)
SELECT i.anime_id, s.name, s.synopsis, TRUE
FROM (SELECT anime_id FROM {{.Scratch}}ua_agg
      UNION
      SELECT anime_id FROM {{.Scratch}}synopsis_load) i
LEFT JOIN {{.Scratch}}synopsis_load s ON s.anime_id = i.anime_id
WHERE NOT EXISTS (SELECT 1 FROM {{.Scratch}}anime_load a WHERE a.anime_id = i.anime_id);
{{range .Tags}}
-- {{.Dim}}: ids in byte order of the names, the same on every engine.
INSERT INTO {{.Dim}} ({{.Dim}}_id, name)
SELECT CAST(row_number() OVER (ORDER BY name COLLATE "C") AS INTEGER), name
FROM (SELECT DISTINCT name FROM {{$.Scratch}}anime_tag_load WHERE kind = '{{.Dim}}') t;

INSERT INTO anime_{{.Dim}} (anime_id, {{.Dim}}_id)
SELECT DISTINCT t.anime_id, d.{{.Dim}}_id
FROM {{$.Scratch}}anime_tag_load t
JOIN {{.Dim}} d ON d.name = t.name
WHERE t.kind = '{{.Dim}}';
{{end}}
INSERT INTO anime_score_votes (anime_id, score, votes)
SELECT anime_id, score, votes FROM {{.Scratch}}anime_votes_load;

-- The mart: list counts and user ratings per anime. rating_weighted is the
-- Bayesian mean (sum + m*C) / (ratings + m) with m = {{.Prior}} and C the mean of
-- all ratings; every operand is cast to double so both engines compute the
-- same bits.
INSERT INTO anime_stats (anime_id, list_users, watching, completed, on_hold, dropped,
                         plan_to_watch, ratings, rating_mean, rating_weighted)
SELECT a.anime_id,
       COALESCE(SUM(g.n), 0),
       COALESCE(SUM(CASE WHEN g.watching_status = 1 THEN g.n END), 0),
       COALESCE(SUM(CASE WHEN g.watching_status = 2 THEN g.n END), 0),
       COALESCE(SUM(CASE WHEN g.watching_status = 3 THEN g.n END), 0),
       COALESCE(SUM(CASE WHEN g.watching_status = 4 THEN g.n END), 0),
       COALESCE(SUM(CASE WHEN g.watching_status = 6 THEN g.n END), 0),
       COALESCE(SUM(g.ratings), 0),
       CASE WHEN SUM(g.ratings) > 0
            THEN CAST(SUM(g.rating_sum) AS DOUBLE PRECISION) / CAST(SUM(g.ratings) AS DOUBLE PRECISION)
       END,
       CASE WHEN SUM(g.ratings) > 0
            THEN (CAST(SUM(g.rating_sum) AS DOUBLE PRECISION) + CAST({{.Prior}} AS DOUBLE PRECISION) * c.mean)
                 / CAST(SUM(g.ratings) + {{.Prior}} AS DOUBLE PRECISION)
       END
FROM anime a
LEFT JOIN {{.Scratch}}ua_agg g ON g.anime_id = a.anime_id
CROSS JOIN (SELECT CAST(SUM(rating_sum) AS DOUBLE PRECISION) / CAST(NULLIF(SUM(ratings), 0) AS DOUBLE PRECISION) AS mean
            FROM {{.Scratch}}ua_agg) c
GROUP BY a.anime_id, c.mean;
