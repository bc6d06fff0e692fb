package quality

import "strings"

// The delta-scoped queries (Check.Delta) of an incremental run's stage. The
// published user_anime passed every check when it was published; the merge
// (schema/sql/merge.sql) removed every row whose key the day names and
// inserted the day's upserts (list_load, one row per key once repeats are
// resolved); the rows it replaced or removed are in ua_old. So a rule about
// user_anime holds after the day when it holds for the day's rows and for
// the anime they touched. On DuckDB the day's tables are in the scratch
// schema; on PostgreSQL in the stage schema, first on the search_path.

// deltaQueries returns q for each engine, with {{S}} replaced by the schema
// of the day's work tables there.
func deltaQueries(q string) map[string]string {
	return map[string]string{
		"duckdb":   strings.ReplaceAll(q, "{{S}}", "scratch."),
		"postgres": strings.ReplaceAll(q, "{{S}}", ""),
	}
}

// userAnimeUniqueDelta: the rows of user_anime with a key of the day's
// upserts, minus the distinct keys of the upserts. The keys the day does not
// name are as unique as when they were published; a day's key appears once
// exactly when the merge replaced its old row instead of adding a second and
// the upserts held it once. DuckDB only: PostgreSQL's primary key
// constraint proves uniqueness in every scope.
const userAnimeUniqueDelta = `SELECT (SELECT count(*) FROM user_anime u
        WHERE EXISTS (SELECT 1 FROM scratch.list_load k WHERE k.user_id = u.user_id AND k.anime_id = u.anime_id))
     - (SELECT count(*) FROM (SELECT DISTINCT user_id, anime_id FROM scratch.list_load) d)`

// userAnimeProfileDelta computes userAnimeProfile's columns from the day:
// the per-(anime, status) counts are recounted from user_anime only for the
// anime the day touched (an upsert's anime, or a replaced or removed row's)
// and compared with anime_status_stats there; the anime the day did not
// touch kept their published counts, which matched user_anime when they
// were published. With the mart proven equal to user_anime, the columns about
// every entry (entries, status, catalogue) are read from the mart, a table
// of (anime, status) size, and the rating range from the recount: every row
// the day wrote is of a touched anime. anime_stats is compared whole: it is small.
const userAnimeProfileDelta = `WITH t AS MATERIALIZED (
    SELECT anime_id FROM {{S}}list_load
    UNION
    SELECT anime_id FROM {{S}}ua_old),
g AS MATERIALIZED (
    SELECT anime_id, watching_status, count(*) AS entries, count(rating) AS ratings,
           COALESCE(SUM(rating), 0) AS rating_sum,
           count(*) FILTER (WHERE rating < 1 OR rating > 10) AS out_of_range
    FROM user_anime
    WHERE anime_id IN (SELECT anime_id FROM t)
    GROUP BY anime_id, watching_status),
x AS (
    SELECT * FROM anime_status_stats WHERE anime_id IN (SELECT anime_id FROM t)),
s AS (
    SELECT a.entries, st.status, st.is_documented
    FROM anime_status_stats a LEFT JOIN watching_status st ON st.status = a.watching_status),
m AS (
    SELECT anime_id, SUM(entries) AS list_users,
           SUM(CASE WHEN watching_status = 1 THEN entries ELSE 0 END) AS watching,
           SUM(CASE WHEN watching_status = 2 THEN entries ELSE 0 END) AS completed,
           SUM(CASE WHEN watching_status = 3 THEN entries ELSE 0 END) AS on_hold,
           SUM(CASE WHEN watching_status = 4 THEN entries ELSE 0 END) AS dropped,
           SUM(CASE WHEN watching_status = 6 THEN entries ELSE 0 END) AS plan_to_watch,
           SUM(ratings) AS ratings
    FROM anime_status_stats
    GROUP BY anime_id)
SELECT COALESCE(SUM(s.entries), 0) AS entries,
       (SELECT COALESCE(SUM(out_of_range), 0) FROM g) AS rating_out_of_range,
       COALESCE(SUM(CASE WHEN s.status IS NULL THEN s.entries ELSE 0 END), 0) AS status_missing,
       CAST(SUM(CASE WHEN NOT s.is_documented THEN s.entries ELSE 0 END) AS DOUBLE PRECISION)
           / CAST(NULLIF(SUM(s.entries), 0) AS DOUBLE PRECISION) AS undocumented_share,
       COALESCE(SUM(s.entries), 0) - (SELECT COALESCE(SUM(a.list_users), 0) FROM anime_stats a
                   JOIN anime c ON c.anime_id = a.anime_id) AS outside_catalogue,
       (SELECT count(*) FROM g FULL JOIN x
            ON x.anime_id = g.anime_id AND x.watching_status = g.watching_status
        WHERE COALESCE(g.entries, 0) <> COALESCE(x.entries, 0)
           OR COALESCE(g.ratings, 0) <> COALESCE(x.ratings, 0)
           OR COALESCE(g.rating_sum, 0) <> COALESCE(x.rating_sum, 0))
     + (SELECT count(*) FROM m FULL JOIN anime_stats a ON a.anime_id = m.anime_id
        WHERE COALESCE(m.list_users, 0) <> COALESCE(a.list_users, 0)
           OR COALESCE(m.watching, 0) <> COALESCE(a.watching, 0)
           OR COALESCE(m.completed, 0) <> COALESCE(a.completed, 0)
           OR COALESCE(m.on_hold, 0) <> COALESCE(a.on_hold, 0)
           OR COALESCE(m.dropped, 0) <> COALESCE(a.dropped, 0)
           OR COALESCE(m.plan_to_watch, 0) <> COALESCE(a.plan_to_watch, 0)
           OR COALESCE(m.ratings, 0) <> COALESCE(a.ratings, 0)) AS mart_mismatch
FROM s`
