package quality

import "github.com/animetl/animetl"

// Limits are the configurable thresholds of the default checks.
type Limits struct {
	// MaxRejectRate is the share of a run's lines that may be rejected (error).
	MaxRejectRate float64
	// MaxDrift is the relative change of a published table's size since the
	// previous succeeded run above which the drift check warns.
	MaxDrift float64
	// MaxDeltaAgeDays is the age in days of the newest applied delta above
	// which the freshness check warns.
	MaxDeltaAgeDays int
	// MaxShrink is the share of a published table's rows that a run may lose
	// since the previous succeeded run; more fails the run (error): a cut
	// upload must not publish. 1 allows any shrink.
	MaxShrink float64
}

// Default limits.
const (
	DefaultMaxDrift        = 0.5
	DefaultMaxDeltaAgeDays = 2
	DefaultMaxShrink       = 0.5
)

// DefaultLimits returns the default thresholds.
func DefaultLimits() Limits {
	return Limits{MaxRejectRate: DefaultMaxRejectRate, MaxDrift: DefaultMaxDrift, MaxDeltaAgeDays: DefaultMaxDeltaAgeDays, MaxShrink: DefaultMaxShrink}
}

// Defaults returns the checks every run and `animetl check` perform.
func Defaults(l Limits) []Check {
	maxRejectRate := l.MaxRejectRate
	e, w := animetl.SeverityError, animetl.SeverityWarn
	checks := []Check{
		notEmpty("anime"), notEmpty("watching_status"),
		notEmpty("genre"), notEmpty("anime_stats"),
		{
			Name:        "files_reconciled",
			Description: "every file of the run accounts for every line: read = loaded + rejected + duplicates",
			Severity:    e,
			SQL: `SELECT count(*) FROM etl_file WHERE run_id = $1
			      AND (rows_read IS NULL OR rows_loaded IS NULL
			           OR rows_read <> rows_loaded + rows_rejected + rows_duplicate)`,
			Op: OpEQ, Threshold: 0,
		},
		{
			Name:        "reject_rate",
			Description: "share of the run's lines rejected",
			Severity:    e,
			SQL: `SELECT CAST(SUM(rows_rejected) AS DOUBLE PRECISION) / CAST(NULLIF(SUM(rows_read), 0) AS DOUBLE PRECISION)
			      FROM etl_file WHERE run_id = $1`,
			Op: OpLE, Threshold: maxRejectRate,
		},
		{
			Name: "user_anime_pk_unique",
			Description: "(user_id, anime_id) is unique in user_anime: rows beyond the first of each pair (DuckDB), " +
				"or the number of its tables missing their primary key constraint (PostgreSQL, where the keys guarantee uniqueness)",
			Severity: e,
			// Rows less distinct keys, a hash of the keys, in passes over
			// ranges of user_id of about 131,072 rows each (cut at
			// quantiles of a sample of the user ids, so a stray user id
			// cannot make one pass of the table): one hash of
			// every key ran out of memory at 48MB with two threads, passes
			// of a million rows at 64MB in a run, and a full run must never
			// fail for memory at the limits it accepts. Smaller hashes are
			// also faster (they stay in the CPU's caches): against the
			// window sort it replaced (rows whose pair repeats the one
			// before them per user), 2.3 s against 9.0 s at 80M rows (3.5 s
			// in passes of a million), 0.24 s against 0.52 s at 8M;
			// passes of 131,072 rows took 0.36-0.44 s against 0.42-0.53
			// s for 262,144 in seven alternated 8M runs on a slower
			// machine (65,536: 0.44-0.52 s). The key (user_id, anime_id)
			// is one BIGINT, user_id * 2^32 + anime_id, one to one for any
			// two INTEGERs. In an incremental run on DuckDB, the repeats
			// among the day's keys, from the delta profile's scan
			// (quality/delta.go).
			Delta:  map[string]string{"duckdb": deltaQueries(userAnimeProfileDelta)["duckdb"]},
			Column: "repeats",
			SQL: `SELECT count(*) - count(DISTINCT CAST(user_id AS BIGINT) * 4294967296 + anime_id) AS repeats
			      FROM user_anime WHERE user_id >= {{LO}} AND user_id < {{HI}}`,
			Passes: &Passes{Table: "user_anime", Column: "user_id", Rows: 1 << 17},
			// On PostgreSQL, the primary keys of the tables behind the view
			// (of the stage's list table before a full run's publish makes
			// it the base): with the base keys the day tables replace hidden
			// (the delta profile's {{HIDDEN}}), the view's keys are unique.
			Dialects: map[string]string{"postgres": `WITH ua AS (SELECT c.oid, c.relkind FROM pg_class c WHERE c.oid = to_regclass('user_anime'))
			      SELECT count(*) AS repeats
			      FROM (SELECT oid AS rel FROM ua WHERE relkind <> 'v'
			            UNION ALL
			            SELECT t.rel FROM ua, (VALUES (to_regclass('user_anime_base')), (to_regclass('user_anime_delta')),
			                                          (to_regclass('user_anime_gone'))) t(rel)
			            WHERE ua.relkind = 'v') x
			      WHERE NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = x.rel AND i.indisprimary AND i.indisvalid)`},
			Op: OpEQ, Threshold: 0,
		},
		pkUnique("anime", "anime_id"),
		pkUnique("watching_status", "status"),
		pkUnique("genre", "genre_id"),
		pairUnique("anime_genre", "anime_id", "genre_id"),
		pairUnique("anime_studio", "anime_id", "studio_id"),
		pairUnique("anime_producer", "anime_id", "producer_id"),
		pairUnique("anime_licensor", "anime_id", "licensor_id"),
		pairUnique("anime_score_votes", "anime_id", "score"),
		pairUnique("anime_status_stats", "anime_id", "watching_status"),
		profile("user_anime_not_empty", "user_anime has rows", e, "entries", OpGE, 1),
		profile("user_anime_anime_in_catalogue",
			"list entries not counted in anime_stats under an anime of the catalogue (so every user_anime.anime_id is in anime, inferred ones included, and the mart covers every entry)",
			e, "outside_catalogue", OpEQ, 0),
		profile("anime_stats_matches_user_anime",
			"(anime, status) pairs whose anime_status_stats counts (entries, ratings, rating sum) differ from user_anime, "+
				"plus anime whose anime_stats row differs from its anime_status_stats",
			e, "mart_mismatch", OpEQ, 0),
		profile("user_anime_status_in_lookup", "list entries whose watching_status has no watching_status row", e, "status_missing", OpEQ, 0),
		profile("user_anime_rating_range", "list entries whose rating is not NULL (not rated) or within 1-10", e, "rating_out_of_range", OpEQ, 0),
		{
			Name:        "anime_score_range",
			Description: "anime.score is NULL or within 1-10",
			Severity:    e,
			SQL:         `SELECT count(*) FROM anime WHERE score < 1 OR score > 10`,
			Op:          OpEQ, Threshold: 0,
		},
		{
			Name:        "score_votes_non_negative",
			Description: "anime_score_votes.votes >= 0 and score within 1-10",
			Severity:    e,
			SQL:         `SELECT count(*) FROM anime_score_votes WHERE votes < 0 OR score < 1 OR score > 10`,
			Op:          OpEQ, Threshold: 0,
		},
		{
			Name:        "no_unknown_literals",
			Description: "no text column holds the source's missing-value marker 'Unknown' (it must be NULL)",
			Severity:    e,
			SQL: `SELECT (SELECT count(*) FROM anime WHERE 'Unknown' IN (name, english_name, japanese_name, type,
			             aired_raw, premiered_season, source, age_rating, synopsis))
			     + (SELECT count(*) FROM genre WHERE name = 'Unknown')
			     + (SELECT count(*) FROM studio WHERE name = 'Unknown')
			     + (SELECT count(*) FROM producer WHERE name = 'Unknown')
			     + (SELECT count(*) FROM licensor WHERE name = 'Unknown')`,
			Op: OpEQ, Threshold: 0,
		},
		{
			Name:        "inferred_anime_share",
			Description: "share of anime rows inferred from user lists (ids missing from anime.csv)",
			Severity:    w,
			SQL: `SELECT CAST(SUM(CASE WHEN is_inferred THEN 1 ELSE 0 END) AS DOUBLE PRECISION)
			             / CAST(NULLIF(count(*), 0) AS DOUBLE PRECISION) FROM anime`,
			Op: OpLE, Threshold: 0.05,
		},
		profile("undocumented_status_share", "share of list entries whose status code the lookup does not define", w, "undocumented_share", OpLE, 0.01),
		{
			Name: "table_shrink",
			Description: "largest share of a published table's rows lost since the previous succeeded run " +
				"(a cut or partial upload must not replace the warehouse; --max-shrink allows more)",
			Severity: e,
			SQL: `SELECT MAX((CAST(p.row_count AS DOUBLE PRECISION) - CAST(c.row_count AS DOUBLE PRECISION))
			             / CAST(p.row_count AS DOUBLE PRECISION))
			      FROM etl_table c
			      JOIN etl_table p ON p.table_name = c.table_name
			      WHERE c.run_id = $1 AND p.row_count > 0
			        AND p.run_id = (SELECT r.run_id FROM etl_run r WHERE r.status = 'succeeded' AND r.run_id <> $1
			                        AND r.started_at < (SELECT started_at FROM etl_run WHERE run_id = $1)
			                        ORDER BY r.started_at DESC LIMIT 1)`,
			Op: OpLE, Threshold: l.MaxShrink,
		},
		{
			Name: "table_drift",
			Description: "largest relative change of a published table's row count since the previous succeeded run " +
				"(a sudden drop or jump usually means a truncated or duplicated source)",
			Severity: w,
			SQL: `SELECT MAX(ABS(CAST(c.row_count AS DOUBLE PRECISION) - CAST(p.row_count AS DOUBLE PRECISION))
			             / CAST(NULLIF(p.row_count, 0) AS DOUBLE PRECISION))
			      FROM etl_table c
			      JOIN etl_table p ON p.table_name = c.table_name
			      WHERE c.run_id = $1
			        AND p.run_id = (SELECT r.run_id FROM etl_run r WHERE r.status = 'succeeded' AND r.run_id <> $1
			                        AND r.started_at < (SELECT started_at FROM etl_run WHERE run_id = $1)
			                        ORDER BY r.started_at DESC LIMIT 1)`,
			Op: OpLE, Threshold: l.MaxDrift,
		},
		{
			Name:        "delta_freshness",
			Description: "age in days of the newest daily delta applied so far (NULL when the source has no deltas)",
			Severity:    w,
			SQL: `SELECT CAST(CURRENT_DATE - MAX(f.delta_date) AS INTEGER) FROM etl_file f
			      WHERE f.delta_date IS NOT NULL
			        AND (f.run_id = $1 OR f.run_id IN (SELECT run_id FROM etl_run WHERE status = 'succeeded'))`,
			Op: OpLE, Threshold: float64(l.MaxDeltaAgeDays),
		},
		{
			Name:        "anime_members_balance",
			Description: "anime rows where watching + completed + on_hold + dropped + plan_to_watch differs from members",
			Severity:    w,
			SQL: `SELECT count(*) FROM anime
			      WHERE watching + completed + on_hold + dropped + plan_to_watch <> members`,
			Op: OpEQ, Threshold: 0,
		},
	}
	return append(checks, recChecks()...)
}

// martByAnime is the CTE m of the profiles: anime_status_stats summed per
// anime, as anime_stats should hold it.
const martByAnime = `m AS (
    SELECT anime_id, SUM(entries) AS list_users,
           SUM(CASE WHEN watching_status = 1 THEN entries ELSE 0 END) AS watching,
           SUM(CASE WHEN watching_status = 2 THEN entries ELSE 0 END) AS completed,
           SUM(CASE WHEN watching_status = 3 THEN entries ELSE 0 END) AS on_hold,
           SUM(CASE WHEN watching_status = 4 THEN entries ELSE 0 END) AS dropped,
           SUM(CASE WHEN watching_status = 6 THEN entries ELSE 0 END) AS plan_to_watch,
           SUM(ratings) AS ratings
    FROM anime_status_stats
    GROUP BY anime_id)`

// martMismatch counts the anime whose anime_stats row differs from m
// (martByAnime), in the profiles' mart_mismatch.
const martMismatch = `(SELECT count(*) FROM m FULL JOIN anime_stats a ON a.anime_id = m.anime_id
        WHERE COALESCE(m.list_users, 0) <> COALESCE(a.list_users, 0)
           OR COALESCE(m.watching, 0) <> COALESCE(a.watching, 0)
           OR COALESCE(m.completed, 0) <> COALESCE(a.completed, 0)
           OR COALESCE(m.on_hold, 0) <> COALESCE(a.on_hold, 0)
           OR COALESCE(m.dropped, 0) <> COALESCE(a.dropped, 0)
           OR COALESCE(m.plan_to_watch, 0) <> COALESCE(a.plan_to_watch, 0)
           OR COALESCE(m.ratings, 0) <> COALESCE(a.ratings, 0))`

// userAnimeProfile measures the fact table in one scan, grouped by anime
// and status, and several checks read its columns. The marts are compared
// per anime and status, not only in total: an incremental run carries
// anime_status_stats forward by arithmetic, and two slips that cancel out
// in a total must still fail. The ratings out of range are counted apart,
// by a filter DuckDB answers from its column statistics (a rating column
// whose minimum and maximum lie within 1-10 is not read at all; updates
// only widen them): in the scan, the filter cost DuckDB half of this
// query's time (1.8 s against 1.0 s at 80M rows).
const userAnimeProfile = `WITH g AS MATERIALIZED (
    SELECT anime_id, watching_status, count(*) AS entries, count(rating) AS ratings,
           COALESCE(SUM(rating), 0) AS rating_sum
    FROM user_anime
    GROUP BY anime_id, watching_status),
` + martByAnime + `
SELECT COALESCE(SUM(g.entries), 0) AS entries,
       (SELECT count(*) FROM user_anime WHERE rating < 1 OR rating > 10) AS rating_out_of_range,
       COALESCE(SUM(CASE WHEN s.status IS NULL THEN g.entries ELSE 0 END), 0) AS status_missing,
       CAST(SUM(CASE WHEN NOT s.is_documented THEN g.entries ELSE 0 END) AS DOUBLE PRECISION)
           / CAST(NULLIF(SUM(g.entries), 0) AS DOUBLE PRECISION) AS undocumented_share,
       COALESCE(SUM(g.entries), 0) - (SELECT COALESCE(SUM(a.list_users), 0) FROM anime_stats a
                   JOIN anime c ON c.anime_id = a.anime_id) AS outside_catalogue,
       (SELECT count(*) FROM g FULL JOIN anime_status_stats x
            ON x.anime_id = g.anime_id AND x.watching_status = g.watching_status
        WHERE COALESCE(g.entries, 0) <> COALESCE(x.entries, 0)
           OR COALESCE(g.ratings, 0) <> COALESCE(x.ratings, 0)
           OR COALESCE(g.rating_sum, 0) <> COALESCE(x.rating_sum, 0))
     + ` + martMismatch + ` AS mart_mismatch
FROM g
LEFT JOIN watching_status s ON s.status = g.watching_status`

// userAnimeProfilePG is userAnimeProfile on PostgreSQL, whose hash
// aggregate of the fact table by anime and status costs about 450 ns a row
// on two cores (1.7-1.9 s at 8M rows, against 0.29 s for the scan alone):
// one scan sums fingerprints instead. Each (anime, status) pair gets a
// 47-bit odd weight from a 64-bit hash of the pair; user_anime's rows and
// anime_status_stats's counts, each weighted by its pair, must give the
// same three sums (entries, ratings, rating sum). A wrong count of one pair
// changes every sum; slips that cancel out between two pairs go unseen
// only where their weights collide (about 2^-46 for two given pairs). When
// the sums differ, mart_mismatch is the exact count of differing pairs,
// from the GROUP BY of userAnimeProfile, which PostgreSQL runs only then
// (an InitPlan inside the CASE). The columns about every entry (status,
// catalogue) are read from the mart once it is proven equal, as the delta
// profile does. One weight, not two of 31 bits: the planner writes the
// hash into every sum that reads the weight, so two weights in three sums
// each hashed every row six times; with one, three times, and the sums of
// user_anime stay within BIGINT (the weight times a SMALLINT rating is
// below 2^62; the mart's counts are multiplied as NUMERIC). One core, 8M
// rows: 1.19-1.33 s against 1.95-2.12 s (the scan and count alone:
// 0.64-0.82 s); it is the early scan beside a full run's key build on
// PostgreSQL (postgres/early.go), where the two share the machine's cores.
const userAnimeProfilePG = `WITH u AS (
    SELECT count(*) AS entries,
           count(*) FILTER (WHERE rating < 1 OR rating > 10) AS out_of_range,
           COALESCE(SUM(w), 0) AS e, COALESCE(SUM(w) FILTER (WHERE rating IS NOT NULL), 0) AS r,
           COALESCE(SUM(w * rating), 0) AS s
    FROM (SELECT (hashint8extended((CAST(anime_id AS BIGINT) << 16) | (watching_status & 65535), 0) & 140737488355327) | 1 AS w,
                 rating
          FROM user_anime) y),
a AS (
    SELECT COALESCE(SUM(w * entries), 0) AS e, COALESCE(SUM(w * ratings), 0) AS r,
           COALESCE(SUM(w * rating_sum), 0) AS s
    FROM (SELECT CAST((hashint8extended((CAST(anime_id AS BIGINT) << 16) | (watching_status & 65535), 0) & 140737488355327) | 1 AS NUMERIC) AS w,
                 entries, ratings, rating_sum
          FROM anime_status_stats) y),
g AS (
    SELECT anime_id, watching_status, count(*) AS entries, count(rating) AS ratings,
           COALESCE(SUM(rating), 0) AS rating_sum
    FROM user_anime
    GROUP BY anime_id, watching_status),
s AS (
    SELECT COALESCE(SUM(CASE WHEN st.status IS NULL THEN x.entries ELSE 0 END), 0) AS status_missing,
           CAST(SUM(CASE WHEN NOT st.is_documented THEN x.entries ELSE 0 END) AS DOUBLE PRECISION)
               / CAST(NULLIF(SUM(x.entries), 0) AS DOUBLE PRECISION) AS undocumented_share
    FROM anime_status_stats x LEFT JOIN watching_status st ON st.status = x.watching_status),
` + martByAnime + `
SELECT u.entries,
       u.out_of_range AS rating_out_of_range,
       s.status_missing,
       s.undocumented_share,
       u.entries - (SELECT COALESCE(SUM(a.list_users), 0) FROM anime_stats a
                    JOIN anime c ON c.anime_id = a.anime_id) AS outside_catalogue,
       CASE WHEN (u.e, u.r, u.s) = (a.e, a.r, a.s) THEN 0
            ELSE (SELECT count(*) FROM g FULL JOIN anime_status_stats x
                      ON x.anime_id = g.anime_id AND x.watching_status = g.watching_status
                  WHERE COALESCE(g.entries, 0) <> COALESCE(x.entries, 0)
                     OR COALESCE(g.ratings, 0) <> COALESCE(x.ratings, 0)
                     OR COALESCE(g.rating_sum, 0) <> COALESCE(x.rating_sum, 0)) END
     + ` + martMismatch + ` AS mart_mismatch
FROM u, a, s`

func profile(name, description string, sev animetl.Severity, column string, op Op, threshold float64) Check {
	return Check{Name: name, Description: description, Severity: sev, SQL: userAnimeProfile, Column: column, Op: op, Threshold: threshold, Early: true,
		Dialects: map[string]string{"postgres": userAnimeProfilePG}, Delta: deltaQueries(userAnimeProfileDelta)}
}

func notEmpty(table string) Check {
	return Check{
		Name:        table + "_not_empty",
		Description: table + " has rows",
		Severity:    animetl.SeverityError,
		SQL:         "SELECT count(*) FROM " + table,
		Op:          OpGE, Threshold: 1,
	}
}

func pkUnique(table, key string) Check {
	return Check{
		Name:        table + "_pk_unique",
		Description: table + "." + key + " is unique",
		Severity:    animetl.SeverityError,
		SQL:         "SELECT count(*) - count(DISTINCT " + key + ") FROM " + table,
		Op:          OpEQ, Threshold: 0,
	}
}

// pairUnique checks the two-column key of one of the model's derived
// tables. DuckDB declares no key there (schema.Dialect.ModelKeys: its ART
// index cost more than the inserts): the repeated keys are counted, a
// GROUP BY of a table of catalogue size. PostgreSQL declares them, so the
// check reads the catalog: 1 when the table lacks its valid primary key.
func pairUnique(table, a, b string) Check {
	return Check{
		Name:        table + "_pk_unique",
		Description: "(" + a + ", " + b + ") is unique in " + table + ": keys on more than one row (DuckDB), or 1 when the table lacks its primary key constraint (PostgreSQL)",
		Severity:    animetl.SeverityError,
		SQL:         "SELECT count(*) FROM (SELECT 1 FROM " + table + " GROUP BY " + a + ", " + b + " HAVING count(*) > 1) r",
		Dialects: map[string]string{"postgres": `SELECT count(*) FROM (VALUES (to_regclass('` + table + `'))) x(rel)
			WHERE NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = x.rel AND i.indisprimary AND i.indisvalid)`},
		Op: OpEQ, Threshold: 0,
	}
}
