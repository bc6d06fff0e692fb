-- How many lines of one run the ledger holds as rejected or duplicate.
SELECT count(*) FROM etl_reject WHERE run_id = $1
