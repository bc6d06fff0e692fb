-- Load tables: what the cleaners produced, with lineage (file_id, line).
-- They live only during a run, in the engine's scratch area ({{.Scratch}}).
-- The list entries' table puts the contract's columns first: on PostgreSQL
-- it becomes user_anime itself once the lineage columns are dropped.
CREATE {{if .ListUnlogged}}UNLOGGED {{end}}TABLE {{.ListTable}} (
    user_id          INTEGER NOT NULL,
    anime_id         INTEGER NOT NULL,
    watching_status  SMALLINT NOT NULL,
    rating           SMALLINT,
    watched_episodes INTEGER NOT NULL,
    file_id          SMALLINT NOT NULL,
    line             BIGINT NOT NULL
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

-- Per anime and status counts of user_anime: filled by aggregate.sql, or by
-- the engine from counts the pipeline kept while the entries streamed by.
CREATE TABLE {{.Scratch}}ua_agg (
    anime_id        INTEGER NOT NULL,
    watching_status SMALLINT NOT NULL,
    n               BIGINT NOT NULL,
    ratings         BIGINT NOT NULL,
    rating_sum      BIGINT NOT NULL
);
