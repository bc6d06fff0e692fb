-- user_anime as readers see it: a view over three tables, so that a daily
-- run writes only what the day changes, never the history.
--   user_anime_base   the entries of the last full run (the list file and
--                     the days before it, merged), written by full runs only;
--   user_anime_delta  the entries incremental runs upserted since, one per
--                     key;
--   user_anime_gone   the keys of base entries that incremental runs
--                     replaced (their entry is in the delta now) or deleted.
-- A full run renames its keyed list table to user_anime_base and makes the
-- other two empty (this file); an incremental run looks the day's keys up
-- in the base and the delta (merge_day.sql), replaces the day's keys in the
-- delta and adds the base keys it hides to user_anime_gone. Every key of
-- user_anime_gone is a key of the base, and no key of the delta is a key of
-- the base that user_anime_gone lacks, so user_anime has one row per key
-- and count(base) - count(gone) + count(delta) rows.
CREATE {{if .ListUnlogged}}UNLOGGED {{end}}TABLE user_anime_delta (
    user_id          INTEGER NOT NULL,
    anime_id         INTEGER NOT NULL,
    watching_status  SMALLINT NOT NULL,
    rating           SMALLINT,
    watched_episodes INTEGER NOT NULL
{{- if .Dialect.FactKeys}},
    PRIMARY KEY (user_id, anime_id)
{{- end}}
);

CREATE {{if .ListUnlogged}}UNLOGGED {{end}}TABLE user_anime_gone (
    user_id  INTEGER NOT NULL,
    anime_id INTEGER NOT NULL
{{- if .Dialect.FactKeys}},
    PRIMARY KEY (user_id, anime_id)
{{- end}}
);

CREATE VIEW user_anime AS
SELECT b.user_id, b.anime_id, b.watching_status, b.rating, b.watched_episodes
FROM user_anime_base b
WHERE NOT EXISTS (SELECT 1 FROM user_anime_gone g WHERE g.user_id = b.user_id AND g.anime_id = b.anime_id)
UNION ALL
SELECT user_id, anime_id, watching_status, rating, watched_episodes
FROM user_anime_delta;
