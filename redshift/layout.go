package redshift

// layout is how Redshift stores one table: its distribution, its sort key,
// and why (the comment the DDL carries above the table).
type layout struct {
	dist    string   // DISTSTYLE: ALL or KEY
	distKey string   // DISTKEY when dist is KEY
	sortKey []string // COMPOUND SORTKEY, leading column first
	why     []string
}

// The two questions the marts answer: "which anime do users rate highest?"
// (anime_stats WHERE ratings >= n JOIN anime, schema/queries/top_rated.sql)
// and "which anime are most people watching right now?" (anime_stats or
// anime_status_stats WHERE watching_status = 1 JOIN anime). The catalogue
// does not grow with the users: anime and everything keyed by anime stay
// near 17,562 rows (x the tags, x the 10 scores, x the 7 statuses) at 100x
// the list rows, so they are copied to every node (DISTSTYLE ALL) and every
// join to them is local whatever the other side's distribution. Only
// user_anime and rec_user grow with the users: they are distributed by key.

func allSorted(sortKey []string, why ...string) layout {
	return layout{dist: "ALL", sortKey: sortKey, why: why}
}

// layouts are the choices per table; Tables() must find one for every
// published table, or the generator fails.
var layouts = map[string]layout{
	"user_anime": {dist: "KEY", distKey: "user_id", sortKey: []string{"watching_status", "anime_id"}, why: []string{
		"The fact: one row per (user, anime), 8M rows here and 800M at 100x.",
		"DISTKEY(user_id), not anime_id: ~300k users spread evenly over the slices, while",
		"anime_id has ~17.5k values of very unequal popularity (the most listed titles",
		"hold a few percent of all rows each), so hashing on it skews slices. Its joins",
		"to anime, anime_stats and watching_status are local anyway (those are ALL);",
		"what joins it on its own key is per-user work (the recommenders group it by",
		"user, recommend.Load): item co-occurrence is a self-join on user_id, and",
		"rec_user (also DISTKEY(user_id)) joins it to drop seen items or to evaluate;",
		"each of those stays on its slice. A count per anime aggregates on each slice",
		"first and moves only ~17.5k partial rows per slice.",
		"SORTKEY(watching_status, anime_id): \"most watching right now\" filters",
		"watching_status = 1, so zone maps skip every block of the other statuses, and",
		"within a status the rows come grouped by anime for the GROUP BY anime_id.",
	}},
	"anime": allSorted([]string{"anime_id"},
		"The catalogue (~17.5k rows, not growing with the users): DISTSTYLE ALL, so the",
		"joins of both questions (anime_stats, anime_status_stats, user_anime ON",
		"anime_id) never move rows. SORTKEY(anime_id), the key of every join."),
	"anime_stats": allSorted([]string{"anime_id"},
		"One row per anime: the mart of both questions (top_rated.sql filters ratings >= n",
		"and orders by rating_mean; most_watched.sql orders by watching). DISTSTYLE ALL",
		"like anime, SORTKEY(anime_id) for the join to it: at ~17.5k rows each column",
		"is one or two blocks, so a sort key on ratings would skip nothing."),
	"anime_status_stats": allSorted([]string{"watching_status", "anime_id"},
		"Counts per anime and status (<= 17.5k x 7 rows). \"Most watching right now\" is",
		"WHERE watching_status = 1 ORDER BY entries DESC: DISTSTYLE ALL and",
		"SORTKEY(watching_status, anime_id), so the filter reads only that status's blocks."),
	"anime_score_votes": allSorted([]string{"anime_id", "score"},
		"The catalogue's votes per score (<= 17.5k x 10 rows), read per anime:",
		"DISTSTYLE ALL, SORTKEY(anime_id, score), its primary key."),
	"watching_status": allSorted([]string{"status"},
		"The status lookup (a handful of rows): DISTSTYLE ALL, SORTKEY(status)."),
	"rec_user": {dist: "KEY", distKey: "user_id", sortKey: []string{"user_id", "rank"}, why: []string{
		"Top-N recommendations per user: users x N rows, growing with the users.",
		"DISTKEY(user_id), as user_anime, so joining a user's recommendations to the",
		"user's list (evaluation, filtering seen items) is local; SORTKEY(user_id, rank),",
		"the lookup \"recommendations for user U, best first\" reads a narrow range.",
	}},
	"rec_similar": allSorted([]string{"anime_id", "rank"},
		"Top-N similar anime per anime: <= 17.5k x N rows, not growing with the users.",
		"DISTSTYLE ALL (joins to anime on anime_id and similar_id stay local);",
		"SORTKEY(anime_id, rank), the lookup \"anime like A, best first\"."),
	"rec_model": allSorted([]string{"table_name"},
		"One row per recommendation table: DISTSTYLE ALL, SORTKEY(table_name)."),
}

// tagLayouts are the choices for the tag dimensions and their bridges.
func tagLayout(dim string, bridge bool) layout {
	if !bridge {
		return allSorted([]string{dim + "_id"},
			"A tag dimension (tens to a few thousand names): DISTSTYLE ALL, SORTKEY("+dim+"_id).")
	}
	return allSorted([]string{dim + "_id", "anime_id"},
		"The bridge anime-"+dim+" (a few rows per anime, not growing with the users):",
		"DISTSTYLE ALL. SORTKEY("+dim+"_id, anime_id): \"top rated anime of this "+dim+"\"",
		"filters the "+dim+" and joins anime_stats on anime_id.")
}

// varchar gives each TEXT column its length in bytes (Redshift counts
// bytes, not characters: a Japanese character takes 3); 0 is VARCHAR(MAX),
// 65535 bytes. The lengths leave room over the data (DATASET.md and the
// real catalogue); a longer value makes COPY fail, and the load's
// transaction leaves the tables as they were. Tables() fails on a TEXT
// column missing here.
var varchar = map[string]int{
	"watching_status.description": 256,  // "Currently Watching"
	"anime.name":                  1024, // MAL titles run to ~200 characters
	"anime.english_name":          1024,
	"anime.japanese_name":         1024, // ~340 Japanese characters
	"anime.type":                  64,   // TV, OVA, Movie, Special, ONA, Music
	"anime.aired_raw":             256,  // "Apr 3, 1998 to Apr 24, 1999"
	"anime.premiered_season":      16,   // Winter, Spring, Summer, Fall (parsed)
	"anime.source":                64,   // "Visual novel", "4-koma manga"
	"anime.age_rating":            64,   // "R - 17+ (violence & profanity)"
	"anime.synopsis":              0,    // paragraphs: VARCHAR(MAX)
	"genre.name":                  256,
	"studio.name":                 256,
	"producer.name":               256,
	"licensor.name":               256,
	"rec_model.table_name":        64, // schema.RecTables
	"rec_model.model":             64,
	"rec_model.run_id":            64, // 20261129T034512Z-9f1c2a
	"rec_model.params":            0,  // the model's parameters as text: 2 rows, so MAX costs nothing
}
