-- The run ledger's version: it changes when a run starts or finishes and
-- when a run records a file or a check.
SELECT count(*) AS runs, max(started_at) AS started, max(finished_at) AS finished,
       (SELECT count(*) FROM etl_file) AS files, (SELECT count(*) FROM etl_check) AS checks
FROM etl_run
