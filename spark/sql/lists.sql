{{- /* The list files (animelist.csv and the delta days' upserts): clean
entries, rejects and the losers of repeated keys, with what animetl needs to
word a reject as the Go decoder (or, for a repeat, the warehouse) does.
The output columns are made before the repeats' window, so its shuffle
moves only them (a clean line's raw text is NULL by then). Partitioned by
outcome (entry, reject, duplicate: a repeat lost, with the values it had,
as the warehouse words it from them). */ -}}
CREATE TABLE {{.Table}} USING parquet PARTITIONED BY (outcome) LOCATION {{str .Location}} AS
{{template "classify.sql" .}},
cols AS (
    SELECT file_id, block, mid,
        CAST(CASE WHEN verdict IS NULL THEN v_user_id END AS INT) AS user_id, CAST(CASE WHEN verdict IS NULL THEN v_anime_id END AS INT) AS anime_id,
        CAST(CASE WHEN verdict IS NULL THEN v_rating END AS SMALLINT) AS rating, CAST(CASE WHEN verdict IS NULL THEN v_watching_status END AS SMALLINT) AS watching_status,
        CAST(CASE WHEN verdict IS NULL THEN v_watched_episodes END AS INT) AS watched_episodes,
        {{template "rejectcols.sql" .}}
    FROM classified
),
{{template "listrepeats.sql" .}}
SELECT file_id, block, mid, user_id, anime_id, rating, watching_status, watched_episodes,
    verdict, col, val, got, fields, raw, raw_len,
    CASE WHEN repeat IS NOT NULL THEN first_block END AS first_block,
    CASE WHEN repeat IS NOT NULL THEN first_mid END AS first_mid,
    repeat,
    CASE WHEN verdict IS NOT NULL THEN 'reject' WHEN repeat IS NOT NULL THEN 'duplicate' ELSE 'entry' END AS outcome
FROM repeats
