-- Operations tables: the run ledger. They persist across runs and are never
-- swapped by a publish.
CREATE TABLE IF NOT EXISTS etl_run (
    run_id         TEXT PRIMARY KEY,
    mode           TEXT NOT NULL,
    status         TEXT NOT NULL,
    source         TEXT,
    host           TEXT,
    pid            INTEGER,
    started_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    rows_read      BIGINT,
    rows_loaded    BIGINT,
    rows_rejected  BIGINT,
    rows_duplicate BIGINT,
    error          TEXT
);

CREATE TABLE IF NOT EXISTS etl_file (
    run_id         TEXT NOT NULL,
    file_id        SMALLINT NOT NULL,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    location       TEXT,
    size           BIGINT,
    etag           TEXT,
    version_id     TEXT,
    checksum       TEXT,
    rows_read      BIGINT,
    rows_loaded    BIGINT,
    rows_rejected  BIGINT,
    rows_duplicate BIGINT,
    PRIMARY KEY (run_id, file_id)
);

-- Columns added after the first release: a ledger made by an older animetl
-- gains them (NULL for its runs).
ALTER TABLE etl_file ADD COLUMN IF NOT EXISTS delta_date DATE;
ALTER TABLE etl_file ADD COLUMN IF NOT EXISTS modified_at TIMESTAMPTZ;
-- Where the run's time went: a JSON list of {"name", "seconds"}, the
-- phases up to the moment the run is recorded (a publish records itself
-- from inside, so its own phase is only in the run's summary). On
-- PostgreSQL ALTER TABLE locks the table before it sees the column exists,
-- and readers hold etl_run for as long as their transactions last: the
-- column is added only when it is missing, so a run never waits for them.
{{if .Dialect.GuardedAlter}}
DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'etl_run'::regclass AND attname = 'phases' AND NOT attisdropped) THEN ALTER TABLE etl_run ADD COLUMN phases TEXT; END IF; END $$;
{{else}}
ALTER TABLE etl_run ADD COLUMN IF NOT EXISTS phases TEXT;
{{end}}

-- DuckDB stores raw uncompressed: choosing a compression for a row group of
-- raw lines (up to 4 KB each, 122,880 to a row group) copies the distinct
-- values into memory outside memory_limit, so a run's peak memory grew with
-- its rejected lines (about 450 MB for 200,000 lines of 2 KB).
CREATE TABLE IF NOT EXISTS etl_reject (
    run_id TEXT NOT NULL,
    file   TEXT NOT NULL,
    line   BIGINT NOT NULL,
    kind   TEXT NOT NULL,
    field  TEXT,
    reason TEXT NOT NULL,
    raw    TEXT{{with .Dialect.ColumnCompression}} {{.}}{{end}}
);

{{if .Dialect.RejectIndex}}
CREATE INDEX IF NOT EXISTS etl_reject_run ON etl_reject (run_id);
{{else}}
-- No index on DuckDB: rows of a run are appended together, so zone maps
-- find them, and an ART index over one run_id repeated per reject grew
-- memory outside memory_limit (1M rejects: +210 MB, and 3 x the load time).
-- A ledger made by an older animetl loses its index.
DROP INDEX IF EXISTS etl_reject_run;
{{end}}

CREATE TABLE IF NOT EXISTS etl_check (
    run_id     TEXT NOT NULL,
    name       TEXT NOT NULL,
    severity   TEXT NOT NULL,
    status     TEXT NOT NULL,
    observed   TEXT,
    threshold  TEXT,
    checked_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, name)
);

-- Row counts of the published tables after each run, for the drift check.
CREATE TABLE IF NOT EXISTS etl_table (
    run_id     TEXT NOT NULL,
    table_name TEXT NOT NULL,
    row_count  BIGINT NOT NULL,
    PRIMARY KEY (run_id, table_name)
);
