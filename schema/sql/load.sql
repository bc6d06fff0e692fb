-- Load tables: what the cleaners produced, with lineage (file_id, line).
-- They live only during a run, in the engine's scratch area ({{.Scratch}}).
{{if .Full}}
-- A full run loads the base list straight into user_anime, contract columns
-- first; the lineage columns are dropped once repeats are resolved. With
-- .ListFileLater the engine adds file_id once the one base file is loaded
-- (PostgreSQL: a constant default is a catalog entry, not a copy in each row).
CREATE {{if .ListUnlogged}}UNLOGGED {{end}}TABLE {{.ListTable}} (
    user_id          INTEGER NOT NULL,
    anime_id         INTEGER NOT NULL,
    watching_status  SMALLINT NOT NULL,
    rating           SMALLINT,
    watched_episodes INTEGER NOT NULL,
{{- if not .ListFileLater}}
    file_id          SMALLINT NOT NULL,
{{- end}}
    line             BIGINT NOT NULL
);
{{end}}
-- The daily deltas' upserts, merged into user_anime after the base.
CREATE {{if .Dialect.Unlogged}}UNLOGGED {{end}}TABLE {{.Scratch}}list_load (
    user_id          INTEGER NOT NULL,
    anime_id         INTEGER NOT NULL,
    watching_status  SMALLINT NOT NULL,
    rating           SMALLINT,
    watched_episodes INTEGER NOT NULL,
    file_id          SMALLINT NOT NULL,
    line             BIGINT NOT NULL
);

-- Counts per anime and status of user_anime before the deltas: from the
-- pipeline's counts, a scan, or the published anime_status_stats.
CREATE TABLE {{.Scratch}}ua_base (
    anime_id        INTEGER NOT NULL,
    watching_status SMALLINT NOT NULL,
    entries         BIGINT NOT NULL,
    ratings         BIGINT NOT NULL,
    rating_sum      BIGINT NOT NULL
);

-- Entries removed from lists (deletes files), applied after the upserts of
-- their day.
CREATE TABLE {{.Scratch}}delete_load (
    file_id  SMALLINT NOT NULL,
    line     BIGINT NOT NULL,
    user_id  INTEGER NOT NULL,
    anime_id INTEGER NOT NULL
);

CREATE TABLE {{.Scratch}}status_load (
    file_id     SMALLINT NOT NULL,
    line        BIGINT NOT NULL,
    status      SMALLINT NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE {{.Scratch}}anime_load (
    file_id          SMALLINT NOT NULL,
    line             BIGINT NOT NULL,
    anime_id         INTEGER NOT NULL,
    name             TEXT,
    english_name     TEXT,
    japanese_name    TEXT,
    type             TEXT,
    episodes         INTEGER,
    aired_raw        TEXT,
    aired_from       DATE,
    aired_to         DATE,
    premiered_season TEXT,
    premiered_year   SMALLINT,
    source           TEXT,
    duration_minutes DOUBLE PRECISION,
    age_rating       TEXT,
    score            DECIMAL(4,2),
    ranked           INTEGER,
    popularity       INTEGER,
    members          INTEGER,
    favorites        INTEGER,
    watching         INTEGER,
    completed        INTEGER,
    on_hold          INTEGER,
    dropped          INTEGER,
    plan_to_watch    INTEGER
);

CREATE TABLE {{.Scratch}}anime_tag_load (
    anime_id INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    position SMALLINT NOT NULL,
    name     TEXT NOT NULL
);

CREATE TABLE {{.Scratch}}anime_votes_load (
    anime_id INTEGER NOT NULL,
    score    SMALLINT NOT NULL,
    votes    INTEGER NOT NULL
);

CREATE TABLE {{.Scratch}}synopsis_load (
    file_id  SMALLINT NOT NULL,
    line     BIGINT NOT NULL,
    anime_id INTEGER NOT NULL,
    name     TEXT,
    synopsis TEXT
);

-- The keys the deltas touch, with their numbers of upserts and deletes: empty until
-- day_keys.sql makes it again from the deltas (a run without deltas leaves
-- it empty, for the delta checks to read).
CREATE TABLE {{.Scratch}}ua_keys (
    user_id  INTEGER NOT NULL,
    anime_id INTEGER NOT NULL,
    n        BIGINT NOT NULL,
    d        BIGINT NOT NULL
);

-- The entries the deltas replaced or removed (merge_old.sql in a full run,
-- merge_day.sql in an incremental one).
CREATE TABLE {{.Scratch}}ua_old (
    anime_id        INTEGER NOT NULL,
    watching_status SMALLINT NOT NULL,
    rating          SMALLINT,
    user_id         INTEGER,
    -- where the row was, for merge_duckdb.sql's ranged DELETE (a full run
    -- on DuckDB)
    row_ref         BIGINT,
    -- an incremental run's: whether the row is the base's (else the delta's)
    in_base         BOOLEAN
);

-- Counts per anime and status of the final user_anime (aggregate_delta.sql).
CREATE TABLE {{.Scratch}}ua_agg (
    anime_id        INTEGER NOT NULL,
    watching_status SMALLINT NOT NULL,
    n               BIGINT NOT NULL,
    ratings         BIGINT NOT NULL,
    rating_sum      BIGINT NOT NULL
);
