package quality

import "strings"

// The delta-scoped queries (Check.Delta) of an incremental run's stage. The
// published user_anime passed every check when it was published; the merge
// (schema/sql/merge_day.sql) only read user_anime_base, removed the day's
// keys from user_anime_delta, inserted the day's upserts there (list_load,
// one row per key once repeats are resolved) and added the base keys the day
// hides to user_anime_gone; the rows it replaced or removed, as readers saw
// them, are in ua_old (in_base: the base's); the published counts per anime
// and status are in ua_base. So a rule about user_anime holds after the day
// when it holds for the rows whose key the day names, and the marts are
// right when they equal the published counts moved by those rows. On DuckDB
// the day's tables are in the scratch schema; on PostgreSQL in the stage
// schema, first on the search_path.

// deltaQueries returns q for each engine, with {{S}} replaced by the schema
// of the day's work tables there and {{COUNT}} by the engine's proof that no
// row outside the day's keys came or went, and that the base rows the day
// replaced or removed are hidden ({{HIDDEN}}: ua_old's base rows missing from
// user_anime_gone): DuckDB counts the three tables from their metadata, for
// nothing, against the published size moved by the day; PostgreSQL would
// scan the base to count it, so it relies on its merge, which writes the
// day tables by the day's keys only.
//
// {{DAY_ROWS}} reads the day's keys' rows of user_anime: those of
// user_anime_delta, as the base's are hidden ({{HIDDEN}}), a join the
// engine plans (the delta holds the days since the last compaction, a tenth
// of the base at most by default, and PostgreSQL has its statistics: the
// merge analyzes it). When the day's keys were looked up in the whole
// history, PostgreSQL needed a LATERAL lookup per key it could not flatten,
// or it hashed the 80M rows (33 s against 5 s); against the delta a plain
// join took 0.41 s against 0.55 s for the lookups at 8M.
//
// {{REPEATS}} counts the repeated keys among the day's rows on DuckDB,
// whose tables have no key constraint; PostgreSQL's primary keys forbid
// them, and its user_anime_pk_unique reads the constraints instead, so the
// column is NULL there and nobody pays for the join.
func deltaQueries(q string) map[string]string {
	duck := strings.ReplaceAll(q, "{{COUNT}}", `(SELECT count(*) FROM user_anime_base) - (SELECT count(*) FROM user_anime_gone)
           + (SELECT count(*) FROM user_anime_delta)
           - (SELECT COALESCE(SUM(entries), 0) FROM scratch.ua_base)
           + (SELECT count(*) FROM scratch.ua_old) - (SELECT count(*) FROM d))
     + ABS({{HIDDEN}}`)
	duck = strings.ReplaceAll(duck, "{{REPEATS}}", `(SELECT count(*) - count(DISTINCT CAST(user_id AS BIGINT) * 4294967296 + anime_id) FROM d)`)
	duck = strings.ReplaceAll(duck, "{{DAY_ROWS}}", "JOIN user_anime_delta u ON u.user_id = k.user_id AND u.anime_id = k.anime_id")
	pg := strings.ReplaceAll(strings.ReplaceAll(q, "{{COUNT}}", "{{HIDDEN}}"), "{{REPEATS}}", "CAST(NULL AS BIGINT)")
	pg = strings.ReplaceAll(pg, "{{DAY_ROWS}}", "JOIN user_anime_delta u ON u.user_id = k.user_id AND u.anime_id = k.anime_id")
	hidden := `(SELECT count(*) FROM {{S}}ua_old o WHERE o.in_base
           AND NOT EXISTS (SELECT 1 FROM user_anime_gone g WHERE g.user_id = o.user_id AND g.anime_id = o.anime_id))`
	duck = strings.ReplaceAll(duck, "{{HIDDEN}}", hidden)
	pg = strings.ReplaceAll(pg, "{{HIDDEN}}", hidden)
	return map[string]string{
		"duckdb":   strings.ReplaceAll(duck, "{{S}}", "scratch."),
		"postgres": strings.ReplaceAll(pg, "{{S}}", ""),
	}
}

// userAnimeProfileDelta computes userAnimeProfile's columns (and the
// repeats of user_anime_pk_unique) from the day, reading user_anime only for
// the rows whose key the day names (d: a semi-join on the day's keys):
//   - the marts: anime_status_stats must equal the published counts
//     (ua_base, which matched user_anime when published) minus the rows the
//     merge replaced or removed (ua_old) plus the day's rows as user_anime
//     now holds them (d), for every anime and status (the day's changes
//     summed per pair first, dd, then joined to ua_base: a sum over every
//     pair spilled at PostgreSQL's 4MB; a pair whose counts come to zero
//     compares equal to its absence); and on DuckDB the size
//     of user_anime must be the published size minus ua_old plus d, so no
//     row outside the day's keys came or went. A wrong count, a row the
//     merge failed to remove or added twice, all show here. anime_stats is
//     compared with anime_status_stats whole: both are small.
//   - repeats: the rows of d less its distinct keys (one BIGINT each, as
//     user_anime_pk_unique's passes make them): the keys the day does not
//     name are as unique as when published. An upsert missing from d is
//     the marts' to find (below). Until 2026-12-03 the rows of d with a
//     key of the day's upserts less those keys: a DISTINCT of list_load
//     and a join more, 0.36-0.47 s against 0.31-0.33 s for the whole
//     query at 80M rows with a 1% day.
//   - with the mart proven equal to user_anime, the columns about every
//     entry (entries, status, catalogue) are read from the mart, a table of
//     (anime, status) size, and the rating range from d, the only rows that
//     changed.
//
// k is the day's keys as the merge made them (ua_keys, day_keys.sql: each
// once, so its join with the delta is the semi-join), read as a table:
// PostgreSQL joins it with the delta in parallel (0.5 s at 80M with a 1%
// day, against 1.7 s for the same keys made again from the load tables in
// a CTE, which runs on one core). A key missing from it would leave its
// upsert out of d while the marts count it from list_load
// (aggregate_delta.sql): mart_mismatch.
const userAnimeProfileDelta = `WITH d AS MATERIALIZED (
    SELECT k.user_id, k.anime_id, u.watching_status, u.rating
    FROM {{S}}ua_keys k {{DAY_ROWS}}),
dd AS (
    SELECT anime_id, watching_status, CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(r) AS BIGINT) AS r,
           CAST(SUM(rs) AS BIGINT) AS rs
    FROM (SELECT anime_id, watching_status, -count(*) AS n, -count(rating) AS r, -COALESCE(SUM(rating), 0) AS rs
          FROM {{S}}ua_old GROUP BY anime_id, watching_status
          UNION ALL
          SELECT anime_id, watching_status, count(*), count(rating), COALESCE(SUM(rating), 0)
          FROM d GROUP BY anime_id, watching_status) x
    GROUP BY anime_id, watching_status),
want AS (
    SELECT COALESCE(b.anime_id, dd.anime_id) AS anime_id, COALESCE(b.watching_status, dd.watching_status) AS watching_status,
           COALESCE(b.entries, 0) + COALESCE(dd.n, 0) AS entries, COALESCE(b.ratings, 0) + COALESCE(dd.r, 0) AS ratings,
           COALESCE(b.rating_sum, 0) + COALESCE(dd.rs, 0) AS rating_sum
    FROM {{S}}ua_base b FULL JOIN dd ON dd.anime_id = b.anime_id AND dd.watching_status = b.watching_status),
s AS (
    SELECT a.entries, st.status, st.is_documented
    FROM anime_status_stats a LEFT JOIN watching_status st ON st.status = a.watching_status),
` + martByAnime + `
SELECT COALESCE(SUM(s.entries), 0) AS entries,
       {{REPEATS}} AS repeats,
       (SELECT count(*) FROM d WHERE rating < 1 OR rating > 10) AS rating_out_of_range,
       COALESCE(SUM(CASE WHEN s.status IS NULL THEN s.entries ELSE 0 END), 0) AS status_missing,
       CAST(SUM(CASE WHEN NOT s.is_documented THEN s.entries ELSE 0 END) AS DOUBLE PRECISION)
           / CAST(NULLIF(SUM(s.entries), 0) AS DOUBLE PRECISION) AS undocumented_share,
       COALESCE(SUM(s.entries), 0) - (SELECT COALESCE(SUM(a.list_users), 0) FROM anime_stats a
                   JOIN anime c ON c.anime_id = a.anime_id) AS outside_catalogue,
       (SELECT count(*) FROM want g FULL JOIN anime_status_stats x
            ON x.anime_id = g.anime_id AND x.watching_status = g.watching_status
        WHERE COALESCE(g.entries, 0) <> COALESCE(x.entries, 0)
           OR COALESCE(g.ratings, 0) <> COALESCE(x.ratings, 0)
           OR COALESCE(g.rating_sum, 0) <> COALESCE(x.rating_sum, 0))
     + ` + martMismatch + `
     + ABS({{COUNT}}) AS mart_mismatch
FROM s`
