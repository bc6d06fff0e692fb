{{- /* aired: the Aired column's dates, as dataset.ParseAired reads them,
for the catalogue template (its valued CTE, with the column's trimmed text
in t_{{.AiredA}}); defines the CTE dated. A period of one, two or three
tokens (2005; Apr 2005; Apr 3, 2005) runs from its first to its last day;
"A to B" from A's first day to B's last; "?" on either side is open; a
shape it cannot read, or an end before the start, gives NULL dates (the
raw text stays). */ -}}
{{define "aired" -}}
aired0 AS (
    SELECT *, regexp_replace(t_{{.AiredA}}, {{str trimRE}}, '') AS au
    FROM valued
),
aired1 AS (
    SELECT *, instr(au, ' to ') AS ai
    FROM aired0
),
aired2 AS (
    SELECT *,
        {{template "tokens" "replace(CASE WHEN ai > 0 THEN substr(au, 1, ai - 1) ELSE au END, ',', ' ')"}} AS al,
        CASE WHEN ai > 0 THEN regexp_replace(substr(au, 1, ai - 1), {{str trimRE}}, '') END AS alt,
        CASE WHEN ai > 0 THEN regexp_replace(substr(au, ai + 4), {{str trimRE}}, '') END AS art
    FROM aired1
),
aired3 AS (
    SELECT *, {{template "tokens" "replace(coalesce(art, ''), ',', ' ')"}} AS ar
    FROM aired2
),
aired4 AS (
    SELECT *{{range $s := sides}},
        {{template "yr" (printf "try_element_at(%s, greatest(size(%s), 1))" $s $s)}} AS {{$s}}_y,
        try_element_at({{$.Months}}, {{template "lower" (printf "try_element_at(%s, 1)" $s)}}) AS {{$s}}_m,
        CASE WHEN try_element_at({{$s}}, 2) RLIKE {{str "^[+-]?[0-9]+\\z"}} THEN try_cast(try_element_at({{$s}}, 2) AS BIGINT) END AS {{$s}}_d{{end}}
    FROM aired3
),
aired5 AS (
    SELECT *{{range $s := sides}},
        CASE size({{$s}})
            WHEN 1 THEN make_date({{$s}}_y, 1, 1)
            WHEN 2 THEN make_date({{$s}}_y, {{$s}}_m, 1)
            WHEN 3 THEN CASE WHEN {{$s}}_d BETWEEN 1 AND 31
                AND month(date_add(make_date({{$s}}_y, {{$s}}_m, 1), CAST(least(greatest({{$s}}_d, 1), 31) AS INT) - 1)) = {{$s}}_m
                THEN date_add(make_date({{$s}}_y, {{$s}}_m, 1), CAST(least(greatest({{$s}}_d, 1), 31) AS INT) - 1) END
        END AS {{$s}}_lo{{end}}
    FROM aired4
),
aired6 AS (
    SELECT *{{range $s := sides}},
        CASE size({{$s}})
            WHEN 1 THEN make_date({{$s}}_y, 12, 31)
            WHEN 2 THEN last_day(make_date({{$s}}_y, {{$s}}_m, 1))
            WHEN 3 THEN {{$s}}_lo
        END AS {{$s}}_hi{{end}}
    FROM aired5
),
aired7 AS (
    SELECT *,
        verdict IS NOT NULL OR au IS NULL OR au IN ('', 'Unknown', '?') AS aired_none,
        ai > 0 AND ((al_lo IS NULL AND alt <> '?') OR (art <> '?' AND ar_hi IS NULL)
            OR (al_lo IS NOT NULL AND art <> '?' AND ar_hi < al_lo)) AS aired_bad
    FROM aired6
),
dated AS (
    SELECT *,
        CASE WHEN aired_none OR aired_bad THEN NULL ELSE al_lo END AS aired_from,
        CASE WHEN aired_none OR aired_bad THEN NULL
             WHEN ai = 0 THEN al_hi
             WHEN art = '?' THEN NULL
             ELSE ar_hi
        END AS aired_to
    FROM aired7
)
{{- end}}
