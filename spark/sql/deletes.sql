{{- /* The deletes files of the delta days: the (user_id, anime_id) pairs to
remove, and rejects. A pair named again in the same file is a duplicate of
its first line (dataset.Repeats): a window over the file's clean lines,
cheap since deletes files are small. Partitioned by outcome (delete,
duplicate, reject). */ -}}
CREATE TABLE {{.Table}} USING parquet PARTITIONED BY (outcome) LOCATION {{str .Location}} AS
{{template "classify.sql" .}},
repeats AS (
    SELECT *,
        row_number() OVER w AS rn,
        first_value(block) OVER w AS first_block,
        first_value(mid) OVER w AS first_mid
    FROM classified
    WINDOW w AS (PARTITION BY file_id, verdict IS NULL,
        CASE WHEN verdict IS NULL THEN v_user_id ELSE block END,
        CASE WHEN verdict IS NULL THEN v_anime_id ELSE mid END
        ORDER BY block, mid)
)
SELECT file_id, block, mid,
    CAST(CASE WHEN verdict IS NULL THEN v_user_id END AS INT) AS user_id, CAST(CASE WHEN verdict IS NULL THEN v_anime_id END AS INT) AS anime_id,
    {{template "rejectcols.sql" .}},
    CASE WHEN rn > 1 AND verdict IS NULL THEN first_block END AS first_block,
    CASE WHEN rn > 1 AND verdict IS NULL THEN first_mid END AS first_mid,
    CASE WHEN verdict IS NOT NULL THEN 'reject' WHEN rn = 1 THEN 'delete' ELSE 'duplicate' END AS outcome
FROM repeats
