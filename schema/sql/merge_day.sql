-- An incremental run's merge (after day_keys.sql made ua_keys and
-- merge.sql matched the upserts and deletes): the rows of user_anime the
-- day replaces or removes, as readers see them (the
-- delta's, and the base's that user_anime_gone does not hide yet), go to
-- ua_old with where they are (in_base), for the marts' update
-- (aggregate_delta.sql) and for the writes below. The base is only read,
-- for the day's users in [$1, $2): on PostgreSQL one lookup in its primary
-- key per key of the day, in key order (postgres/merge.go runs two ranges
-- at once, one per core); on DuckDB a hash join per range of about 131,072
-- of the day's keys (duckdb/merge.go), whose bounds on the base's user_id
-- let its zone maps skip the row groups of other users.
INSERT INTO {{.Scratch}}ua_old (anime_id, watching_status, rating, user_id, in_base)
SELECT d.anime_id, d.watching_status, d.rating, d.user_id, FALSE
FROM {{.Scratch}}ua_keys k
JOIN user_anime_delta d ON d.user_id = k.user_id AND d.anime_id = k.anime_id
WHERE k.user_id >= $1 AND k.user_id < $2
UNION ALL
SELECT b.anime_id, b.watching_status, b.rating, b.user_id, TRUE
FROM {{.Scratch}}ua_keys k
JOIN user_anime_base b ON b.user_id = k.user_id AND b.anime_id = k.anime_id
WHERE NOT EXISTS (SELECT 1 FROM user_anime_gone g WHERE g.user_id = b.user_id AND g.anime_id = b.anime_id)
  AND k.user_id >= $1 AND k.user_id < $2
{{- if .Dialect.RangedDeletes}}
  AND b.user_id >= $1 AND b.user_id < $2
{{- end}};

-- The writes. The day's keys leave the delta ({{if .Dialect.RangedDeletes}}by ranges of row ids
-- [$1, $2), duckdb/merge.go{{else}}as many rows as ua_old holds
-- outside the base, which postgres/merge.go checks{{end}}).
DELETE FROM user_anime_delta AS d
USING {{.Scratch}}ua_keys k
WHERE {{if .Dialect.RangedDeletes}}d.rowid >= $1 AND d.rowid < $2 AND {{end}}d.user_id = k.user_id AND d.anime_id = k.anime_id;

-- The base keys the day hides.
INSERT INTO user_anime_gone (user_id, anime_id)
SELECT user_id, anime_id FROM {{.Scratch}}ua_old WHERE in_base
{{- if .Dialect.FactKeys}}
ORDER BY user_id, anime_id
{{- end}};

-- The day's upserts{{if .Dialect.FactKeys}}, in key order: the delta's primary key is then written
-- left to right{{end}}.
INSERT INTO user_anime_delta (user_id, anime_id, watching_status, rating, watched_episodes)
SELECT user_id, anime_id, watching_status, rating, watched_episodes
FROM {{.Scratch}}list_load
{{- if .Dialect.FactKeys}}
ORDER BY user_id, anime_id
{{- end}};
