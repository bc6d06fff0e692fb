-- A page of one run's rejected and duplicate lines, in file and line order.
SELECT file, line, kind, field, reason, raw
FROM etl_reject
WHERE run_id = $1
ORDER BY file, line, kind, reason
LIMIT $2 OFFSET $3
