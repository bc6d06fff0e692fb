{{- /* The columns of a reject or duplicate: its verdict (see classify.sql),
the failing column and its text, the field count it has and needs, the
start of its raw text (enough for animetl.ClipRawHead) and the raw length
as the Go reader saw it (cut at MaxRecordBytes). NULL for clean lines. */ -}}
verdict, col,
    CASE col{{range .Rules}} WHEN {{str .Column}} THEN t_{{.Column}}{{end}} END AS val,
    CASE WHEN verdict = 'fields' THEN got END AS got, n AS fields,
    CASE WHEN verdict IS NOT NULL OR {{.RawForClean}} THEN substr(rawb, 1, {{.RawHead}}) END AS raw,
    CASE WHEN verdict IS NOT NULL OR {{.RawForClean}} THEN least(octet_length(rawb), {{.MaxRecordBytes}}) END AS raw_len
