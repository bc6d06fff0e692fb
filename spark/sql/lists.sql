{{- /* The list files (animelist.csv and the delta days' upserts): clean
entries and rejects, with what animetl needs to word a reject as the Go
decoder does. One pass over the text, no shuffle; partitioned by outcome
(entry, reject). */ -}}
CREATE TABLE {{.Table}} USING parquet PARTITIONED BY (outcome) LOCATION {{str .Location}} AS
{{template "classify.sql" .}}
SELECT file_id, block, mid,
    CAST(CASE WHEN verdict IS NULL THEN v_user_id END AS INT) AS user_id, CAST(CASE WHEN verdict IS NULL THEN v_anime_id END AS INT) AS anime_id,
    CAST(CASE WHEN verdict IS NULL THEN v_rating END AS SMALLINT) AS rating, CAST(CASE WHEN verdict IS NULL THEN v_watching_status END AS SMALLINT) AS watching_status,
    CAST(CASE WHEN verdict IS NULL THEN v_watched_episodes END AS INT) AS watched_episodes,
    {{template "rejectcols.sql" .}},
    CAST(NULL AS BIGINT) AS first_block, CAST(NULL AS BIGINT) AS first_mid,
    CASE WHEN verdict IS NULL THEN 'entry' ELSE 'reject' END AS outcome
FROM classified
