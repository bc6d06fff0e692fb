-- One run of the ledger.
SELECT run_id, mode, status, source, started_at, finished_at, rows_read, rows_loaded, rows_rejected, rows_duplicate, error
FROM etl_run
WHERE run_id = $1
