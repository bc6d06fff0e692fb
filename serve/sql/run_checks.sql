-- The quality checks of one run.
SELECT name, severity, status, observed, threshold, checked_at
FROM etl_check
WHERE run_id = $1
ORDER BY name
