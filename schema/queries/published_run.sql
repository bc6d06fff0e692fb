-- The published state: the latest run that succeeded (its publish is the
-- step that recorded it as succeeded), and when it finished.
SELECT run_id, finished_at
FROM etl_run
WHERE status = 'succeeded'
ORDER BY finished_at DESC, run_id DESC
LIMIT 1
