-- The catalogue side of the model, from the catalogue's load tables alone:
-- the anime of anime.csv with their synopses, the tag dimensions and
-- bridges, the score votes. Nothing here reads the lists, so PostgreSQL
-- builds it on a second connection while the lists are keyed or merged
-- (postgres/finalize.go); finalize.sql then adds what the lists decide.

{{if .CatalogueInPlace -}}
-- anime.csv is the file the published catalogue was made from, and the
-- stage already holds that catalogue side (a copy of the published file):
-- the tag dimensions, bridges and score votes stand; anime's inferred rows
-- go (finalize.sql adds them again from the lists) and its synopses follow
-- the synopses just loaded (or stand, when their file was not loaded
-- either: .KeepSynopses). The same rows the statements below make.
DELETE FROM anime WHERE is_inferred;
{{- if not .KeepSynopses}}

UPDATE anime SET synopsis = NULL
WHERE synopsis IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {{.Scratch}}synopsis_load s WHERE s.anime_id = anime.anime_id);

UPDATE anime SET synopsis = s.synopsis
FROM {{.Scratch}}synopsis_load s
WHERE s.anime_id = anime.anime_id AND anime.synopsis IS DISTINCT FROM s.synopsis;
{{- end}}
{{- else -}}
-- The catalogue with its synopses: the rows of anime.csv's load table, or,
-- when anime.csv is the file the published catalogue was made from (an
-- incremental run that did not load it: .Published), the published ones;
-- the synopses are those just loaded either way, but when their file was
-- not loaded either (.KeepSynopses): the published ones then. With
-- .Published the tag dimensions, bridges and score votes are not made here:
-- the published ones stand (schema.CatalogueFixed), the rows the statements
-- below would make from anime.csv's load tables.
INSERT INTO anime (anime_id, name, english_name, japanese_name, type, episodes, aired_raw,
                   aired_from, aired_to, premiered_season, premiered_year, source,
                   duration_minutes, age_rating, score, ranked, popularity, members, favorites,
                   watching, completed, on_hold, dropped, plan_to_watch, synopsis, is_inferred)
SELECT a.anime_id, a.name, a.english_name, a.japanese_name, a.type, a.episodes, a.aired_raw,
       a.aired_from, a.aired_to, a.premiered_season, a.premiered_year, a.source,
       a.duration_minutes, a.age_rating, a.score, a.ranked, a.popularity, a.members, a.favorites,
       a.watching, a.completed, a.on_hold, a.dropped, a.plan_to_watch,
       {{if .KeepSynopses}}a.synopsis{{else}}s.synopsis{{end}}, FALSE
{{- if .Published}}
FROM {{.Published}}anime a
{{- if not .KeepSynopses}}
LEFT JOIN {{.Scratch}}synopsis_load s ON s.anime_id = a.anime_id
{{- end}}
WHERE NOT a.is_inferred;
{{- else}}
FROM {{.Scratch}}anime_load a
LEFT JOIN {{.Scratch}}synopsis_load s ON s.anime_id = a.anime_id;
{{- end}}
{{if not .Published}}{{range .Tags}}
-- {{.Dim}}: ids in byte order of the names, the same on every engine.
INSERT INTO {{.Dim}} ({{.Dim}}_id, name)
SELECT CAST(row_number() OVER (ORDER BY name COLLATE "C") AS INTEGER), name
FROM (SELECT DISTINCT name FROM {{$.Scratch}}anime_tag_load WHERE kind = '{{.Dim}}') t;

INSERT INTO anime_{{.Dim}} (anime_id, {{.Dim}}_id)
SELECT DISTINCT t.anime_id, d.{{.Dim}}_id
FROM {{$.Scratch}}anime_tag_load t
JOIN {{.Dim}} d ON d.name = t.name
WHERE t.kind = '{{.Dim}}'
{{- if $.Dialect.ModelKeys}}
ORDER BY 1, 2;

ALTER TABLE anime_{{.Dim}} ADD PRIMARY KEY (anime_id, {{.Dim}}_id)
{{- end}};
{{end}}
INSERT INTO anime_score_votes (anime_id, score, votes)
SELECT anime_id, score, votes FROM {{.Scratch}}anime_votes_load;
{{- if .Dialect.ModelKeys}}

ALTER TABLE anime_score_votes ADD PRIMARY KEY (anime_id, score);
{{- end}}
{{- end}}
{{- end}}
