-- Repeated (user_id, anime_id) pairs, found in the database where the rows
-- carry their file and line. Within a file the first line wins: an identical
-- repeat is a duplicate, a different one a conflicting repeat (rejected).
-- Across files the later file wins (a delta updates the base).
{{- if or .Keys .Users}}
-- The keys are known (the pipeline saw them go by), and the users whose
-- lines are not in one block, whose keys may repeat across their blocks:
-- one scan of the table takes the rows of all their users (a few), which
-- are grouped and joined here instead of the table.
CREATE TABLE {{.Scratch}}{{.Tag}}_repeat_cand AS
SELECT l.{{.Dialect.RowID}} AS row_ref,
       {{.TableFile}} AS file_id, l.line, l.user_id, l.anime_id, l.watching_status, l.rating, l.watched_episodes
FROM {{.Table}} l
WHERE l.user_id IN ({{range $i, $u := .ScanUsers}}{{if $i}}, {{end}}{{$u}}{{end}});

CREATE TABLE {{.Scratch}}{{.Tag}}_repeat_keys AS
{{- if .Keys}}
SELECT * FROM (VALUES {{range $i, $k := .Keys}}{{if $i}}, {{end}}({{$k.UserID}}, {{$k.AnimeID}}){{end}}) AS k (user_id, anime_id)
{{- end}}
{{- if and .Keys .Users}}
UNION
{{- end}}
{{- if .Users}}
SELECT user_id, anime_id FROM {{.Scratch}}{{.Tag}}_repeat_cand
WHERE user_id IN ({{range $i, $u := .Users}}{{if $i}}, {{end}}{{$u}}{{end}})
GROUP BY user_id, anime_id
HAVING count(*) > 1
{{- end}};
{{- else}}
CREATE TABLE {{.Scratch}}{{.Tag}}_repeat_keys AS
SELECT user_id, anime_id
FROM {{.Table}}
GROUP BY user_id, anime_id
HAVING count(*) > 1;
{{- end}}

-- row_ref locates the row for the DELETE (ctid, rowid: no second scan);
-- gone marks the rows it removes.
CREATE TABLE {{.Scratch}}{{.Tag}}_repeat_rows AS
SELECT r.*, (r.rn > 1 OR r.last_file > r.file_id) AS gone
FROM (
    SELECT {{if or .Keys .Users}}l.row_ref{{else}}l.{{.Dialect.RowID}} AS row_ref{{end}},
           {{.RowsFile}} AS file_id, l.line, l.user_id, l.anime_id, l.watching_status, l.rating, l.watched_episodes,
           row_number() OVER (PARTITION BY l.user_id, l.anime_id, {{.RowsFile}} ORDER BY l.line) AS rn,
           max({{.RowsFile}}) OVER (PARTITION BY l.user_id, l.anime_id) AS last_file
    FROM {{if or .Keys .Users}}{{.Scratch}}{{.Tag}}_repeat_cand{{else}}{{.Table}}{{end}} l
    JOIN {{.Scratch}}{{.Tag}}_repeat_keys k ON k.user_id = l.user_id AND k.anime_id = l.anime_id
) r;

INSERT INTO etl_reject (run_id, file, line, kind, field, reason, raw)
SELECT $1, f.name, r.line,
       CASE WHEN r.same THEN 'duplicate' ELSE 'reject' END,
       CASE WHEN r.same THEN NULL ELSE 'user_id,anime_id' END,
       CASE WHEN r.same
            THEN 'duplicate of line ' || CAST(r.first_line AS TEXT) || ' (user_id ' || CAST(r.user_id AS TEXT) || ', anime_id ' || CAST(r.anime_id AS TEXT) || ')'
            ELSE 'conflicting repeat of (user_id ' || CAST(r.user_id AS TEXT) || ', anime_id ' || CAST(r.anime_id AS TEXT) || ') first seen at line ' || CAST(r.first_line AS TEXT)
       END,
       CAST(r.user_id AS TEXT) || ',' || CAST(r.anime_id AS TEXT) || ',' || CAST(COALESCE(r.rating, 0) AS TEXT) || ',' || CAST(r.watching_status AS TEXT) || ',' || CAST(r.watched_episodes AS TEXT)
FROM (
    SELECT r.file_id, r.line, r.user_id, r.anime_id, r.watching_status, r.rating, r.watched_episodes,
           first.line AS first_line,
           (r.watching_status = first.watching_status
            AND r.rating IS NOT DISTINCT FROM first.rating
            AND r.watched_episodes = first.watched_episodes) AS same
    FROM {{.Scratch}}{{.Tag}}_repeat_rows r
    JOIN {{.Scratch}}{{.Tag}}_repeat_rows first
      ON first.user_id = r.user_id AND first.anime_id = r.anime_id AND first.file_id = r.file_id AND first.rn = 1
    WHERE r.rn > 1
) r
JOIN etl_file f ON f.run_id = $1 AND f.file_id = r.file_id;

{{if not .Dialect.RangedDeletes -}}
DELETE FROM {{.Table}}
WHERE {{.Dialect.RowID}} = ANY (ARRAY(SELECT row_ref FROM {{.Scratch}}{{.Tag}}_repeat_rows WHERE gone));
{{- else -}}
-- DuckDB deletes the gone rows range by range (repeats_duckdb.sql).
{{- end}}
