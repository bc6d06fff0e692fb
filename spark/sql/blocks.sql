{{- /* The line count and first position of every block of every file, from
the Parquet written by lists.sql and deletes.sql: a line's number is the
lines of its file's earlier blocks plus its place in its block. */ -}}
{{range $i, $l := .Locations}}{{if $i}}
UNION ALL
{{end}}SELECT file_id, block, count(*) AS lines, min(mid) AS first_mid
FROM parquet.`{{$l}}`
GROUP BY file_id, block{{end}}
