-- The latest runs of the ledger, newest first.
SELECT run_id, mode, status, started_at, finished_at, rows_read, rows_loaded, rows_rejected, rows_duplicate, error
FROM etl_run
ORDER BY started_at DESC, run_id DESC
LIMIT $1
