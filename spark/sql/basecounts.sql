{{- /* The base list's clean entries (the winners of its repeated keys) per
anime and status, as animetl.StatusCount counts them: a warehouse builds
the marts from these and never scans the base for repeats or counts. A
few thousand rows, collected. */ -}}
SELECT CAST(anime_id AS INT), CAST(watching_status AS INT), count(*),
    count(CASE WHEN rating <> 0 THEN 1 END), CAST(coalesce(sum(rating), 0) AS BIGINT)
FROM parquet.`{{.Location}}`
WHERE outcome = 'entry' AND file_id = {{.File}}
GROUP BY anime_id, watching_status
