-- Build the rest of the published model from user_anime's counts (ua_agg)
-- and the load tables, after the engine has made user_anime (deduplicated,
-- keyed), filled ua_agg (aggregate.sql or the pipeline's counts) and built
-- the catalogue side (catalogue.sql).

-- List counts per anime and status, undocumented codes included: a mart of
-- its own, and what the next incremental run updates instead of counting
-- user_anime again (filled by the engine with ua_agg when .Counted).
{{- if not .Counted}}
INSERT INTO anime_status_stats (anime_id, watching_status, entries, ratings, rating_sum)
SELECT anime_id, watching_status, n, ratings, rating_sum FROM {{.Scratch}}ua_agg
{{- if .Dialect.ModelKeys}}
ORDER BY anime_id, watching_status
{{- end}};
{{- end}}
{{- if .Dialect.ModelKeys}}

ALTER TABLE anime_status_stats ADD PRIMARY KEY (anime_id, watching_status);
{{- end}}

-- The status lookup, plus the codes lists use and the lookup lacks.
INSERT INTO watching_status (status, description, is_documented)
SELECT status, description, TRUE FROM {{.Scratch}}status_load
UNION ALL
SELECT DISTINCT g.watching_status, NULL, FALSE
FROM {{.Scratch}}ua_agg g
WHERE NOT EXISTS (SELECT 1 FROM {{.Scratch}}status_load s WHERE s.status = g.watching_status);

-- Inferred entries: ids that only the lists (or only the synopses) know;
-- anime holds the catalogue's rows alone at this point (catalogue.sql).
INSERT INTO anime (anime_id, name, synopsis, is_inferred)
SELECT i.anime_id, s.name, s.synopsis, TRUE
FROM (SELECT anime_id FROM {{.Scratch}}ua_agg
      UNION
      SELECT anime_id FROM {{.Scratch}}synopsis_load) i
LEFT JOIN {{.Scratch}}synopsis_load s ON s.anime_id = i.anime_id
WHERE NOT EXISTS (SELECT 1 FROM anime a WHERE a.anime_id = i.anime_id);

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
