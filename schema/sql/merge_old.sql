-- The rows of user_anime the day's merge replaces or removes, before it
-- does (merge.sql): the marts are updated by them (aggregate_delta.sql).
{{- if .Dialect.RangedDeletes}}
-- On DuckDB with each row's user and row id: the merge's ranged DELETE
-- (merge_duckdb.sql) finds the rows by them, not by the day's keys again.
INSERT INTO {{.Scratch}}ua_old (anime_id, watching_status, rating, user_id, row_ref)
SELECT u.anime_id, u.watching_status, u.rating, u.user_id, u.rowid
{{- else}}
INSERT INTO {{.Scratch}}ua_old (anime_id, watching_status, rating)
SELECT u.anime_id, u.watching_status, u.rating
{{- end}}
FROM {{.Scratch}}ua_keys k
JOIN user_anime u ON u.user_id = k.user_id AND u.anime_id = k.anime_id;
