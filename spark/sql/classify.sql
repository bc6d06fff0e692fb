{{- /*
classify: the lines of the list files of one kind, each numbered by its
block (input_file_block_start) and its position in the block
(monotonically_increasing_id), cleaned by the rules of dataset/animelist.go
and dataset/deletes.go. It reads each file once, as text split on LF only (a
lone CR is data, as in the Go reader), and runs in the scan's tasks: no
shuffle. Line numbers are resolved from the blocks' line counts afterwards
(lines.sql). The header line is classified like any other line and dropped
at ingest (it is line 1).

verdict: NULL for a clean line, else the reason's code: too_long, blank,
unterminated, after_quote (the Go Reader's problems), fields (a wrong field
count), or int (the column col fails its integer rule; val is its trimmed
text, which animetl words with dataset.IntReason).
*/ -}}
WITH raw AS (
{{- range $i, $f := .Files}}
    {{if $i}}UNION ALL {{end}}SELECT {{$f.ID}} AS file_id, {{$f.Fields}} AS n,
{{- range $.Rules}} {{index $f.Pos .Column}} AS p_{{.Column}},{{end}}
        value, input_file_block_start() AS block, monotonically_increasing_id() AS mid
    FROM {{$f.View}}
{{- end}}
),
text AS (
    SELECT *,
        CASE WHEN substr(b, -1) = X'0D' THEN substr(b, 1, octet_length(b) - 1) ELSE b END AS rawb,
        regexp_replace(value, {{str "\\r\\z"}}, '') AS line
    FROM (SELECT *, CAST(value AS BINARY) AS b FROM raw)
),
problems AS (
    SELECT *,
        CASE WHEN octet_length(rawb) > {{.MaxRecordBytes}} THEN 'too_long'
             WHEN octet_length(rawb) = 0 THEN 'blank'
             WHEN instr(line, '"') = 0 THEN NULL
             WHEN NOT line RLIKE {{str .LineRE}} THEN 'unterminated'
        END AS problem0
    FROM text
),
splits AS (
    SELECT *,
        CASE WHEN problem0 IS NOT NULL THEN NULL
             WHEN instr(line, '"') = 0 THEN split(line, ',', -1)
             ELSE regexp_extract_all(concat(',', line), {{str .FieldRE}}, 1)
        END AS raw_fields
    FROM problems
),
cells AS (
    SELECT *,
        coalesce(problem0, CASE WHEN exists(raw_fields, x -> x RLIKE {{str .AfterQuoteRE}}) THEN 'after_quote' END) AS problem,
        transform(raw_fields, x -> CASE WHEN startswith(x, '"')
            THEN concat(replace(regexp_extract(x, {{str .QuotedRE}}, 1), '""', '"'), regexp_extract(x, {{str .JunkRE}}, 1))
            ELSE x END) AS f
    FROM splits
),
trimmed AS (
    SELECT file_id, n, block, mid, rawb, problem, size(f) AS got
{{- range .Rules}},
        trim(BOTH {{str " \t"}} FROM try_element_at(f, p_{{.Column}} + 1)) AS t_{{.Column}}{{end}}
    FROM cells
),
parsed AS (
    SELECT *
{{- range .Rules}},
        CASE WHEN t_{{.Column}} RLIKE {{str "^[+-]?[0-9]{1,18}\\z"}} THEN try_cast(t_{{.Column}} AS BIGINT)
             WHEN t_{{.Column}} RLIKE {{str "^[+-]?[0-9]+(?:\\.[0-9]+)?\\z"}}
                  AND try_cast(t_{{.Column}} AS DOUBLE) BETWEEN {{.Min}} AND {{.Max}}
                  AND try_cast(t_{{.Column}} AS DOUBLE) % 1 = 0
             THEN CAST(try_cast(t_{{.Column}} AS DOUBLE) AS BIGINT)
        END AS v_{{.Column}}{{end}}
    FROM trimmed
),
classified AS (
    SELECT *,
        CASE WHEN problem IS NOT NULL THEN problem
             WHEN got <> n THEN 'fields'
{{- range .Rules}}
             WHEN v_{{.Column}} IS NULL OR v_{{.Column}} NOT BETWEEN {{.Min}} AND {{.Max}} THEN 'int'{{end}}
        END AS verdict,
        CASE WHEN problem IS NOT NULL OR got <> n THEN NULL
{{- range .Rules}}
             WHEN v_{{.Column}} IS NULL OR v_{{.Column}} NOT BETWEEN {{.Min}} AND {{.Max}} THEN {{str .Column}}{{end}}
        END AS col
    FROM parsed
)
