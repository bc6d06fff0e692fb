{{- /*
catalogue: one catalogue file (anime.csv, anime_with_synopsis.csv or
watching_status.csv), cleaned by the rules of dataset/anime.go, attrs.go,
fields.go, synopsis.go and status.go (dataset.CatalogueRules, in the order
the decoder checks them), its repeated keys resolved as dataset.Repeats
does. Partitioned by outcome (row, reject, duplicate).

The file is small (17k records), so exactness beats parallelism: Spark
reads it whole (wholetext) and decodes its bytes as ISO-8859-1, one char
per byte, so the regular expressions and lengths below work on the bytes
the Go reader sees. Records are cut by one regular expression that says
what the Go Reader does: at a line start, a line over MaxRecordBytes is a
record of its own; else a record of exactly the header's field count,
without junk after a closing quote, whose quoted fields may span lines;
else the line alone (an open quote in it is then "unterminated", and the
next record starts on the next line, as the Reader resyncs). A record's
line is 1 plus the line breaks before it: exact.

verdict: NULL for a clean record; too_long, blank, unterminated,
after_quote (the Reader's problems), fields (a wrong field count),
span_too_long (a record spanning lines past MaxRecordBytes, which the Go
Reader would cut and resync; animetl fails the run on it), col (the column
col fails its rule; val is the field's bytes, worded in Go by
dataset.ColumnRule.Reason), conflict (a repeated key with other values).
*/ -}}
CREATE TABLE {{.Table}} USING parquet PARTITIONED BY (outcome) LOCATION {{str .Location}} AS
WITH whole AS (
    SELECT regexp_replace(regexp_replace(decode(CAST(value AS BINARY), 'ISO-8859-1'), {{str .BOMRE}}, ''), {{str .CRRE}}, '') AS t
    FROM {{.View}}
),
records AS (
    SELECT pos, rec
    FROM whole LATERAL VIEW posexplode(regexp_extract_all(t, {{str .RecordRE}}, 0)) x AS pos, rec
),
numbered AS (
    SELECT pos,
        CASE WHEN endswith(rec, {{str "\n"}}) THEN substr(rec, 1, length(rec) - 1) ELSE rec END AS r,
        1 + coalesce(sum(length(rec) - length(replace(rec, {{str "\n"}}, '')))
            OVER (ORDER BY pos ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS line
    FROM records
),
problems AS (
    SELECT pos, line, r,
        CASE WHEN length(r) > {{.MaxRecordBytes}} THEN CASE WHEN instr(r, {{str "\n"}}) > 0 THEN 'span_too_long' ELSE 'too_long' END
             WHEN length(r) = 0 THEN 'blank'
             WHEN instr(r, '"') = 0 THEN NULL
             WHEN NOT r RLIKE {{str .LineRE}} THEN 'unterminated'
        END AS problem0
    FROM numbered
    WHERE pos > 0
),
splits AS (
    SELECT *,
        CASE WHEN problem0 IS NOT NULL THEN NULL
             WHEN instr(r, '"') = 0 THEN split(r, ',', -1)
             ELSE regexp_extract_all(concat(',', r), {{str .FieldRE}}, 1)
        END AS raw_fields
    FROM problems
),
cells AS (
    SELECT pos, line, r,
        coalesce(problem0, CASE WHEN exists(raw_fields, x -> x RLIKE {{str .AfterQuoteRE}}) THEN 'after_quote' END) AS problem,
        transform(raw_fields, x -> CASE WHEN startswith(x, '"')
            THEN concat(replace(regexp_extract(x, {{str .QuotedRE}}, 1), '""', '"'), regexp_extract(x, {{str .JunkRE}}, 1))
            ELSE x END) AS f
    FROM splits
),
prep AS (
    SELECT pos, line, r, problem, size(f) AS got
{{- range .Cols}},
        try_element_at(f, {{.Pos}} + 1) AS x_{{.A}},
        trim(BOTH {{str " \t"}} FROM try_element_at(f, {{.Pos}} + 1)) AS t_{{.A}}
{{- if eq .Kind "score"}},
        regexp_replace(try_element_at(f, {{.Pos}} + 1), {{str trimRE}}, '') AS u_{{.A}}
{{- else if or (eq .Kind "premiered") (eq .Kind "duration")}},
        {{template "tokens" printf "try_element_at(f, %d + 1)" .Pos}} AS tk_{{.A}}
{{- end}}{{end}}
    FROM cells
),
checked AS (
    SELECT *
{{- range .Cols}},
        t_{{.A}} = '' OR t_{{.A}} = 'Unknown' AS m_{{.A}}
{{- if or (eq .Kind "int") (eq .Kind "optint")}},
        CASE WHEN t_{{.A}} RLIKE {{str "^[+-]?[0-9]{1,18}\\z"}} THEN try_cast(t_{{.A}} AS BIGINT)
             WHEN t_{{.A}} RLIKE {{str "^[+-]?[0-9]+(?:\\.[0-9]+)?\\z"}}
                  AND try_cast(t_{{.A}} AS DOUBLE) BETWEEN {{.Min}} AND {{.Max}}
                  AND try_cast(t_{{.A}} AS DOUBLE) % 1 = 0
             THEN CAST(try_cast(t_{{.A}} AS DOUBLE) AS BIGINT)
        END AS n_{{.A}}
{{- else if eq .Kind "score"}},
        coalesce(u_{{.A}} RLIKE {{str "^[+-]?[0-9]+(?:\\.[0-9]+)?\\z"}} AND try_cast(u_{{.A}} AS DOUBLE) BETWEEN 1 AND 10, false) AS ok_{{.A}}
{{- else if eq .Kind "premiered"}},
        coalesce(size(tk_{{.A}}) = 2
            AND try_element_at({{$.Seasons}}, {{template "lower" printf "try_element_at(tk_%s, 1)" .A}}) IS NOT NULL
            AND try_element_at(tk_{{.A}}, 2) RLIKE {{str "^[+-]?[0-9]+\\z"}}
            AND try_cast(try_element_at(tk_{{.A}}, 2) AS BIGINT) BETWEEN 1900 AND 2100, false) AS ok_{{.A}}
{{- else if eq .Kind "duration"}},
        CASE WHEN size(tk_{{.A}}) >= 2 AND try_element_at(tk_{{.A}}, -2) = 'per' AND try_element_at(tk_{{.A}}, -1) = 'ep.'
             THEN slice(tk_{{.A}}, 1, size(tk_{{.A}}) - 2) ELSE tk_{{.A}} END AS dn_{{.A}}
{{- end}}{{end}}
    FROM prep
),
checked2 AS (
    SELECT *
{{- range .Cols}}
{{- if eq .Kind "duration"}},
        coalesce(size(dn_{{.A}}) > 0 AND size(dn_{{.A}}) % 2 = 0
            AND forall(sequence(1, CAST(greatest(size(dn_{{.A}}) div 2, 1) AS INT)), i ->
                try_element_at(dn_{{.A}}, 2 * i) IN ('hr.', 'min.', 'sec.')
                AND try_element_at(dn_{{.A}}, 2 * i - 1) RLIKE {{str "^[+-]?[0-9]+\\z"}}
                AND try_cast(try_element_at(dn_{{.A}}, 2 * i - 1) AS BIGINT) >= 0)
            AND size(array_distinct(transform(sequence(1, CAST(greatest(size(dn_{{.A}}) div 2, 1) AS INT)), i -> try_element_at(dn_{{.A}}, 2 * i)))) = size(dn_{{.A}}) div 2,
            false) AS ok_{{.A}}
{{- end}}{{end}}
    FROM checked
),
bad AS (
    SELECT *
{{- range .Cols}},
{{- if eq .Kind "int"}}
        n_{{.A}} IS NULL OR n_{{.A}} NOT BETWEEN {{.Min}} AND {{.Max}} AS b_{{.A}}
{{- else if eq .Kind "optint"}}
        NOT m_{{.A}} AND (n_{{.A}} IS NULL OR n_{{.A}} NOT BETWEEN {{.Min}} AND {{.Max}}) AS b_{{.A}}
{{- else if or (eq .Kind "score") (eq .Kind "premiered") (eq .Kind "duration")}}
        NOT m_{{.A}} AND NOT ok_{{.A}} AS b_{{.A}}
{{- else if eq .Kind "requiredtext"}}
        m_{{.A}} OR {{template "badtext" .A}} AS b_{{.A}}
{{- else}}
        NOT m_{{.A}} AND ({{template "badtext" .A}}) AS b_{{.A}}
{{- end}}{{end}}
    FROM checked2
),
classified AS (
    SELECT *,
        CASE WHEN problem IS NOT NULL THEN problem
             WHEN got <> {{.Fields}} THEN 'fields'
{{- range .Cols}}
             WHEN b_{{.A}} THEN 'col'{{end}}
        END AS verdict,
        CASE WHEN problem IS NOT NULL OR got <> {{.Fields}} THEN NULL
{{- range .Cols}}
             WHEN b_{{.A}} THEN {{str .Column}}{{end}}
        END AS col
    FROM bad
),
valued AS (
    SELECT *
{{- range .Cols}},
{{- if or (eq .Kind "int") (eq .Kind "optint")}}
        CASE WHEN verdict IS NULL AND NOT m_{{.A}} THEN n_{{.A}} END AS o_{{.A}}
{{- else if eq .Kind "score"}}
        CASE WHEN verdict IS NULL AND NOT m_{{.A}} THEN try_cast(round(try_cast(u_{{.A}} AS DOUBLE) * 100) AS INT) END AS o_{{.A}}
{{- else if eq .Kind "premiered"}}
        CASE WHEN verdict IS NULL AND NOT m_{{.A}} THEN try_element_at({{$.Seasons}}, {{template "lower" printf "try_element_at(tk_%s, 1)" .A}}) END AS o_{{.A}},
        CASE WHEN verdict IS NULL AND NOT m_{{.A}} THEN try_cast(try_element_at(tk_{{.A}}, 2) AS INT) END AS o_{{.A}}_year
{{- else if eq .Kind "duration"}}
        CASE WHEN verdict IS NULL AND NOT m_{{.A}} THEN aggregate(sequence(1, CAST(greatest(size(dn_{{.A}}) div 2, 1) AS INT)), CAST(0 AS DOUBLE), (acc, i) ->
            acc + CASE try_element_at(dn_{{.A}}, 2 * i)
                WHEN 'hr.' THEN CAST(try_cast(try_element_at(dn_{{.A}}, 2 * i - 1) AS BIGINT) AS DOUBLE) * 60
                WHEN 'min.' THEN CAST(try_cast(try_element_at(dn_{{.A}}, 2 * i - 1) AS BIGINT) AS DOUBLE)
                WHEN 'sec.' THEN CAST(try_cast(try_element_at(dn_{{.A}}, 2 * i - 1) AS BIGINT) AS DOUBLE) / 60
            END) END AS o_{{.A}}
{{- else if eq .Kind "list"}}
        CASE WHEN verdict IS NULL AND NOT m_{{.A}} THEN nullif(array_join(transform(array_distinct(filter(
            transform(split(t_{{.A}}, ',', -1), s -> trim(BOTH {{str " \t"}} FROM s)), s -> s <> '' AND s <> 'Unknown')),
            s -> CAST(encode(s, 'ISO-8859-1') AS STRING)), chr(0)), '') END AS o_{{.A}}
{{- else if eq .Kind "synopsis"}}{{$a := .A}}
        CASE WHEN verdict IS NULL AND NOT m_{{.A}}{{range $.Placeholders}} AND NOT startswith(t_{{$a}}, {{str .}}){{end}}
             THEN CAST(encode(t_{{.A}}, 'ISO-8859-1') AS STRING) END AS o_{{.A}}
{{- else}}
        CASE WHEN verdict IS NULL AND NOT m_{{.A}} THEN CAST(encode(t_{{.A}}, 'ISO-8859-1') AS STRING) END AS o_{{.A}}
{{- end}}{{end}}
    FROM classified
){{if .AiredA}},
{{template "aired" .}}{{end}},
signed AS (
    SELECT *, to_json(struct({{range $i, $c := .Cols}}{{if $i}}, {{end}}o_{{$c.A}}{{if eq $c.Kind "premiered"}}, o_{{$c.A}}_year{{end}}{{end}}{{if .AiredA}}, aired_from, aired_to{{end}})) AS sig
    FROM {{if .AiredA}}dated{{else}}valued{{end}}
),
repeats AS (
    SELECT *,
        row_number() OVER w AS rn,
        first_value(line) OVER w AS first_line0,
        first_value(sig) OVER w AS first_sig
    FROM signed
    WINDOW w AS (PARTITION BY verdict IS NULL, CASE WHEN verdict IS NULL THEN o_{{.KeyA}} ELSE pos END ORDER BY line)
),
outcomes AS (
    SELECT *,
        CASE WHEN verdict IS NOT NULL THEN 'reject' WHEN rn = 1 THEN 'row' WHEN sig = first_sig THEN 'duplicate' ELSE 'reject' END AS outcome,
        CASE WHEN verdict IS NULL AND rn > 1 AND sig <> first_sig THEN 'conflict' ELSE verdict END AS verdict2
    FROM repeats
)
SELECT line, CAST(o_{{.KeyA}} AS BIGINT) AS key,
    verdict2 AS verdict, col,
    CASE col{{range .Cols}} WHEN {{str .Column}} THEN encode(x_{{.A}}, 'ISO-8859-1'){{end}} END AS val,
    CASE WHEN verdict2 = 'fields' THEN got END AS got,
    CASE WHEN outcome <> 'row' THEN encode(substr(r, 1, {{.RawHead}}), 'ISO-8859-1') END AS raw,
    CASE WHEN outcome <> 'row' THEN least(length(r), {{.MaxRecordBytes}}) END AS raw_len,
    CASE WHEN outcome <> 'row' AND rn > 1 THEN first_line0 END AS first_line
{{- range .Cols}},
    CASE WHEN outcome = 'row' THEN o_{{.A}} END AS o_{{.A}}
{{- if eq .Kind "premiered"}},
    CASE WHEN outcome = 'row' THEN o_{{.A}}_year END AS o_{{.A}}_year
{{- end}}{{end}}
{{- if .AiredA}},
    CASE WHEN outcome = 'row' THEN aired_from END AS aired_from,
    CASE WHEN outcome = 'row' THEN aired_to END AS aired_to
{{- end}},
    outcome
FROM outcomes
{{- define "tokens"}}filter(split(regexp_replace({{.}}, {{str wsRE}}, ' '), ' ', -1), s -> s <> ''){{end}}
{{- define "lower"}}lower(regexp_replace(regexp_replace({{.}}, {{str dottedI}}, 'i'), {{str kelvin}}, 'k')){{end}}
{{- define "badtext"}}regexp_replace(t_{{.}}, {{str utf8RE}}, '') RLIKE {{str "[\\x80-\\xFF]"}} OR instr(t_{{.}}, chr(0)) > 0{{end}}
{{- define "yr"}}CASE WHEN {{.}} RLIKE {{str "^[0-9]{4}\\z"}} AND try_cast({{.}} AS INT) BETWEEN 1900 AND 2100 THEN try_cast({{.}} AS INT) END{{end}}
