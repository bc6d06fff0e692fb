-- The published star schema: the contract analysts and ML engineers code
-- against. Same names, types and meaning on DuckDB and PostgreSQL. The keys
-- of the derived tables (bridges, score votes, status counts) are declared
-- where the dialect's ModelKeys says so (PostgreSQL), once the tables are
-- filled (catalogue.sql, finalize.sql): one index build costs PostgreSQL
-- less than a key insert and its WAL record per row (0.6 s of CPU at 8M
-- rows, taken from the key index of user_anime beside it); on DuckDB the
-- checks prove them (schema/dialect.go).
CREATE TABLE watching_status (
    status        SMALLINT PRIMARY KEY,
    description   TEXT,
    is_documented BOOLEAN NOT NULL
);

-- anime's long text (names, the raw Aired text, the synopsis) is stored
-- uncompressed where the dialect can say so (DuckDB): choosing and applying
-- a compression for 10 MB of mostly distinct strings cost the publish's
-- checkpoint 0.03-0.04 s of its 0.11-0.15 s in every full run, for about
-- 3 MB of file and no read that notices (17,600 rows).
CREATE TABLE anime (
    anime_id         INTEGER PRIMARY KEY,
    name             TEXT{{with .Dialect.ColumnCompression}} {{.}}{{end}},
    english_name     TEXT{{with .Dialect.ColumnCompression}} {{.}}{{end}},
    japanese_name    TEXT{{with .Dialect.ColumnCompression}} {{.}}{{end}},
    type             TEXT,
    episodes         INTEGER,
    aired_raw        TEXT{{with .Dialect.ColumnCompression}} {{.}}{{end}},
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
    plan_to_watch    INTEGER,
    synopsis         TEXT{{with .Dialect.ColumnCompression}} {{.}}{{end}},
    is_inferred      BOOLEAN NOT NULL
);

{{range .Tags}}
CREATE TABLE {{.Dim}} (
    {{.Dim}}_id INTEGER PRIMARY KEY,
    name        TEXT NOT NULL
);

CREATE TABLE anime_{{.Dim}} (
    anime_id    INTEGER NOT NULL,
    {{.Dim}}_id INTEGER NOT NULL
);
{{end}}

CREATE TABLE anime_score_votes (
    anime_id INTEGER NOT NULL,
    score    SMALLINT NOT NULL,
    votes    INTEGER NOT NULL
);

CREATE TABLE anime_status_stats (
    anime_id        INTEGER NOT NULL,
    watching_status SMALLINT NOT NULL,
    entries         BIGINT NOT NULL,
    ratings         BIGINT NOT NULL,
    rating_sum      BIGINT NOT NULL
);

CREATE TABLE anime_stats (
    anime_id        INTEGER PRIMARY KEY,
    list_users      BIGINT NOT NULL,
    watching        BIGINT NOT NULL,
    completed       BIGINT NOT NULL,
    on_hold         BIGINT NOT NULL,
    dropped         BIGINT NOT NULL,
    plan_to_watch   BIGINT NOT NULL,
    ratings         BIGINT NOT NULL,
    rating_mean     DOUBLE PRECISION,
    rating_weighted DOUBLE PRECISION
);
