-- The recommendations a run publishes with the data (animetl run
-- --recommend). Empty until a run trains them; a run without --recommend
-- carries the published ones over, and rec_model says which run trained them.
CREATE TABLE rec_user (
    user_id  INTEGER NOT NULL,
    anime_id INTEGER NOT NULL,
    score    REAL NOT NULL,
    rank     SMALLINT NOT NULL,
    PRIMARY KEY (user_id, rank)
);

CREATE TABLE rec_similar (
    anime_id   INTEGER NOT NULL,
    similar_id INTEGER NOT NULL,
    score      REAL NOT NULL,
    rank       SMALLINT NOT NULL,
    PRIMARY KEY (anime_id, rank)
);

-- One row per recommendation table: the model that filled it and how.
CREATE TABLE rec_model (
    table_name    TEXT PRIMARY KEY,
    model         TEXT NOT NULL,
    run_id        TEXT NOT NULL,
    trained_at    TIMESTAMP NOT NULL,
    params        TEXT NOT NULL,
    users         INTEGER NOT NULL,
    items         INTEGER NOT NULL,
    entries       BIGINT NOT NULL,
    train_seconds DOUBLE PRECISION NOT NULL
);
