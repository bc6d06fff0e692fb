// Package schema holds the warehouse's SQL as embedded files: the operations
// ledger, the load tables, the published model, the finalize steps that build
// the model from the loads, the seed-compatible views and the canned queries.
// One text serves DuckDB, PostgreSQL and, where the Spark engine computes
// the same thing, Spark SQL; the few differences are the fields of a
// Dialect (Params.Dialect).
package schema

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/animetl/animetl"
)

//go:embed sql/*.sql queries/*.sql
var files embed.FS

// Params fill the templates.
type Params struct {
	// Scratch prefixes work tables: "scratch." on DuckDB (a separate file
	// that is thrown away), "" on PostgreSQL (the stage schema).
	Scratch string
	// ListTable names the load table of list entries.
	ListTable string
	// Prior is the weight m of anime_stats.rating_weighted.
	Prior int
	// ListUnlogged creates the list table UNLOGGED (PostgreSQL only).
	ListUnlogged bool
	// ListFileLater creates the full run's list table without file_id:
	// it receives one file, the base list, and the engine adds the column
	// after its load with that file's id as a constant default
	// (PostgreSQL, where that is a catalog entry and the rows store no
	// copy of it: 48-byte tuples instead of 56, 14% less to write and to
	// log for the fact table).
	ListFileLater bool
	// Full creates the base list table (a full run); an incremental run
	// merges into the user_anime that exists.
	Full bool
	// Dialect is the engine's SQL flavour (DuckDB when zero).
	Dialect Dialect
	// Published, when not empty, prefixes the tables of the published
	// catalogue side ("public."): Catalogue then copies anime's catalogue
	// rows from there instead of building them from anime.csv's load
	// tables, and builds none of CatalogueFixed, which stay published as
	// they are (an incremental run that kept the catalogue:
	// FinalizeOptions.KeepCatalogue; PostgreSQL's stage does not make them
	// and its publish leaves them in place).
	Published string
	// CatalogueInPlace: the stage already holds the published catalogue
	// side (DuckDB's stage is a copy of the published file, and its
	// CatalogueTables were not dropped: ModelExcept): Catalogue only takes
	// anime's inferred rows out and brings its synopses up to date (they
	// stand with KeepSynopses).
	CatalogueInPlace bool
	// KeepSynopses: anime_with_synopsis.csv was not loaded either (it is
	// the file the published synopses came from: FinalizeOptions.KeepSynopses),
	// so the catalogue's synopses are the published ones, not the load
	// table's. Only with Published or CatalogueInPlace.
	KeepSynopses bool
	// BaseFile, when not empty, is the file id of every row of the table
	// repeats.sql searches, which has no file_id column: DuckDB's base list
	// of a full run (ListFileLater), whose ALTER TABLE … ADD COLUMN with a
	// default would write the value into every row (0.75 s at 80M rows, and
	// as much again to drop it) where the repeats need it for a few.
	BaseFile string
	// Counted: the engine filled ua_agg and anime_status_stats itself,
	// from the pipeline's exact counts of a full run without deltas, so
	// Finalize does not copy one into the other (on PostgreSQL a COPY in
	// key order costs a fraction of the INSERT's row-by-row WAL records
	// and key inserts).
	Counted bool
}

// CatalogueTables are the published tables made from anime.csv alone (the
// catalogue side of catalogue.sql, anime's non-inferred rows aside from
// their synopses): those an incremental run that kept the catalogue copies
// (Params.Published).
var CatalogueTables = func() []string {
	t := []string{"anime", "anime_score_votes"}
	for _, tag := range Tags {
		t = append(t, tag.Dim, "anime_"+tag.Dim)
	}
	return t
}()

// CatalogueFixed are the CatalogueTables but anime: the tag dimensions and
// bridges and the score votes, which follow anime.csv alone (anime's
// inferred rows follow the lists). An incremental run that kept the
// catalogue leaves them as published (Params.Published).
var CatalogueFixed = slices.DeleteFunc(slices.Clone(CatalogueTables), func(t string) bool { return t == "anime" })

// Tag is a list column of anime.csv that becomes a dimension and a bridge.
type Tag struct {
	Dim    string // dimension table; the bridge is anime_<Dim>
	Column string // anime.csv column
}

// Tags are the bridged list columns.
var Tags = []Tag{
	{Dim: "genre", Column: "Genres"},
	{Dim: "studio", Column: "Studios"},
	{Dim: "producer", Column: "Producers"},
	{Dim: "licensor", Column: "Licensors"},
}

// ModelTables are the published tables, in the order a publish moves them.
// user_anime is made by each engine; the others by Model and Finalize.
var ModelTables = func() []string {
	t := []string{"watching_status", "anime", "anime_score_votes", "anime_status_stats", "anime_stats", "user_anime"}
	for _, tag := range Tags {
		t = append(t, tag.Dim, "anime_"+tag.Dim)
	}
	return t
}()

// ModelViews are the published seed-compatible views.
var ModelViews = []string{"anime_master", "anime_meta", "anime_score", "anime_watching_status", "anime_list"}

// OpsTables are the run ledger's tables, which persist across publishes.
var OpsTables = []string{"etl_run", "etl_file", "etl_reject", "etl_check", "etl_table"}

type data struct {
	Params
	Tags  []Tag
	Table string            // repeats.sql: the table searched
	Tag   string            // repeats.sql: prefix of its work tables
	Keys  []animetl.ListKey // repeats.sql: the repeated keys when known
	Users []int32           // repeats.sql: users whose rows to search for more
	// ScanUsers are Users and the users of Keys, sorted, each once: the
	// rows repeats.sql takes from the table.
	ScanUsers []int32
}

// TableFile is the file id of a row l of the table repeats.sql searches.
func (d data) TableFile() string {
	if d.BaseFile != "" {
		return "CAST(" + d.BaseFile + " AS SMALLINT)"
	}
	return "l.file_id"
}

// RowsFile is the file id of a row l of the rows repeats.sql groups: the
// candidates it took from the table when the keys or users are known,
// else the table's.
func (d data) RowsFile() string {
	if len(d.Keys) > 0 || len(d.Users) > 0 {
		return "l.file_id"
	}
	return d.TableFile()
}

func render(name string, p Params) []string {
	return renderData(name, data{Params: p, Tags: Tags})
}

func renderData(name string, d data) []string {
	d.Dialect = d.Dialect.orDuckDB()
	b, err := files.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("schema: %s: %v", name, err)) // embedded: cannot happen
	}
	t := template.Must(template.Must(template.New(name).Option("missingkey=error").Parse(string(b))).Parse(sharedText()))
	var out bytes.Buffer
	if err := t.Execute(&out, d); err != nil {
		panic(fmt.Sprintf("schema: %s: %v", name, err))
	}
	return Split(out.String())
}

// sharedText is the text of the templates every file may use
// (sql/counts.sql: only definitions).
func sharedText() string {
	b, err := files.ReadFile("sql/counts.sql")
	if err != nil {
		panic(fmt.Sprintf("schema: sql/counts.sql: %v", err)) // embedded: cannot happen
	}
	return string(b)
}

// StatusCounts returns the query that counts the list entries of from (a
// FROM item with the columns anime_id, watching_status and rating, NULL
// when none) per anime and status, as animetl.StatusCount's columns: the
// text the warehouses count user_anime with (Aggregate), for an engine
// that counts a list elsewhere (the Spark engine, in Spark SQL).
func StatusCounts(from string) string {
	t := template.Must(template.New("counts").Parse(sharedText() + `{{template "status_counts" .}}`))
	var out bytes.Buffer
	if err := t.Execute(&out, from); err != nil {
		panic(fmt.Sprintf("schema: status counts: %v", err))
	}
	return strings.TrimSpace(out.String())
}

var stmtEnd = regexp.MustCompile(`;[ \t]*(\n|$)`)

// Split cuts a script into statements at semicolons that end a line, and
// drops chunks that hold only comments and blank lines.
func Split(script string) []string {
	var out []string
	for _, chunk := range stmtEnd.Split(script, -1) {
		keep := false
		for _, line := range strings.Split(chunk, "\n") {
			l := strings.TrimSpace(line)
			if l != "" && !strings.HasPrefix(l, "--") {
				keep = true
				break
			}
		}
		if keep {
			out = append(out, strings.TrimSpace(chunk))
		}
	}
	return out
}

// Ops returns the DDL of the run ledger (idempotent: IF NOT EXISTS) for the
// engine p.Dialect names; the other fields of p are not used.
func Ops(p Params) []string { return render("sql/ops.sql", Params{Dialect: p.Dialect}) }

// Load returns the DDL of a run's load tables.
func Load(p Params) []string { return render("sql/load.sql", p) }

// Model returns the DDL of the published tables except user_anime, for
// dialect d (the derived tables' keys: Dialect.ModelKeys).
func Model(d Dialect) []string { return render("sql/model.sql", Params{Dialect: d}) }

// ModelExcept returns Model's statements but those creating the named
// tables (a stage that keeps them).
func ModelExcept(d Dialect, tables ...string) []string {
	var out []string
	for _, q := range Model(d) {
		if m := createTable.FindStringSubmatch(q); m != nil && slices.Contains(tables, m[1]) {
			continue
		}
		out = append(out, q)
	}
	return out
}

// createTable finds the table a CREATE TABLE statement (after its
// comments) creates.
var createTable = regexp.MustCompile(`^(?:\s*--[^\n]*\n)*\s*CREATE TABLE (\w+)`)

// Repeats returns the statements that resolve repeated list keys in table
// (work tables prefixed tag); $1 is the run id.
func Repeats(p Params, table, tag string) []string {
	return renderData("sql/repeats.sql", data{Params: p, Tags: Tags, Table: table, Tag: tag})
}

// RepeatsOf returns the statements that resolve the repeated list keys
// keys in table, and those among the rows of users (keys and users not
// both empty), the same way Repeats does, without searching the whole
// table for them: the keys are listed, the users' rows alone are grouped,
// and one scan joined to the result finds their rows.
func RepeatsOf(p Params, table, tag string, keys []animetl.ListKey, users []int32) []string {
	scan := slices.Clone(users)
	for _, k := range keys {
		scan = append(scan, k.UserID)
	}
	slices.Sort(scan)
	scan = slices.Compact(scan)
	return renderData("sql/repeats.sql", data{Params: p, Tags: Tags, Table: table, Tag: tag, Keys: keys, Users: users, ScanUsers: scan})
}

// RepeatsDeleteByRange returns DuckDB's end of Repeats and RepeatsOf: the
// statement that deletes the gone rows of table whose row ids lie in
// [$1, $2).
func RepeatsDeleteByRange(p Params, table, tag string) string {
	return renderData("sql/repeats_duckdb.sql", data{Params: p, Tags: Tags, Table: table, Tag: tag})[0]
}

// RepeatsRemoved returns the query that counts, per anime and status, the
// rows the statements of Repeats or RepeatsOf (tag) removed, as
// animetl.StatusCount's columns, for animetl.SubtractCounts.
func RepeatsRemoved(p Params, tag string) string {
	return `SELECT anime_id, watching_status, count(*), count(rating), CAST(COALESCE(sum(rating), 0) AS BIGINT)
		FROM ` + p.Scratch + tag + `_repeat_rows WHERE gone GROUP BY anime_id, watching_status`
}

// Recommendations is the DDL of the recommendation tables (RecTables).
func Recommendations() []string { return render("sql/rec.sql", Params{}) }

// RecTables are the recommendation tables, published with the model.
var RecTables = []string{"rec_user", "rec_similar", "rec_model"}

// DayKeys returns the statements that make ua_keys, the keys a run's
// upserts and deletes touch, with their number of upserts (day_keys.sql):
// the first step of the merge, before the upserts' repeats are resolved.
func DayKeys(p Params) []string { return render("sql/day_keys.sql", p) }

// SearchRepeats is the query that counts the repeated keys of a list
// table by grouping it whole (a full run's base, when the pipeline could
// not tell which keys repeat).
func SearchRepeats(table string) string {
	return "SELECT count(*) FROM (SELECT 1 FROM " + table + " GROUP BY user_id, anime_id HAVING count(*) > 1) r"
}

// DayRepeats is the query that counts the keys of ua_keys (DayKeys) with
// more than one upsert: the repeats list_load holds before they are
// resolved.
func DayRepeats(p Params) string {
	return "SELECT count(*) FROM " + p.Scratch + "ua_keys WHERE n > 1"
}

// DayMatches is the query that counts the keys of ua_keys (DayKeys) with
// both upserts and deletes: Merge has nothing to do without them.
func DayMatches(p Params) string {
	return "SELECT count(*) FROM " + p.Scratch + "ua_keys WHERE n > 0 AND d > 0"
}

// Merge returns the statements that match a run's upserts and deletes of
// the same keys, the latest file winning, after DayKeys and the repeats
// (needed only when DayMatches counts some keys); MergeOld then copies the rows it
// replaces or removes to ua_old, and MergeApply (PostgreSQL) or
// MergeByRange (DuckDB) changes user_anime.
func Merge(p Params) []string { return render("sql/merge.sql", p) }

// MergeOld returns the statement that copies the rows of user_anime the
// merge replaces or removes to ua_old, before the merge changes it.
func MergeOld(p Params) []string { return render("sql/merge_old.sql", p) }

// MergeApply returns PostgreSQL's end of the merge: del removes the rows
// of the day's keys (as many as MergeOld copied), insert adds the upserts.
func MergeApply(p Params) (del, insert string) {
	s := render("sql/merge_apply.sql", p)
	return s[0], s[1]
}

// MergeByRange returns DuckDB's end of the merge, after Merge and MergeOld:
// del removes the rows ua_old holds whose row ids lie in [$1, $2), and
// insert adds the upserts.
func MergeByRange(p Params) (del, insert string) {
	s := render("sql/merge_duckdb.sql", p)
	return s[0], s[1]
}

// FactTables are the tables behind the user_anime view (fact.sql): the
// base a full run writes, and the day tables incremental runs write.
var FactTables = []string{"user_anime_base", "user_anime_delta", "user_anime_gone"}

// FactView is the view readers query as user_anime.
const FactView = "user_anime"

// Fact returns the statements that make user_anime's day tables (empty)
// and the user_anime view over them and user_anime_base, which must exist.
func Fact(p Params) []string { return render("sql/fact.sql", p) }

// MergeDay returns an incremental run's merge after Merge: old fills ua_old
// (the rows the day replaces or removes, from the base and the delta), del
// removes the day's keys from the delta (DuckDB: by row id ranges [$1, $2)),
// gone and insert add the base keys the day hides and the day's upserts.
func MergeDay(p Params) (old, del, gone, insert string) {
	s := render("sql/merge_day.sql", p)
	return s[0], s[1], s[2], s[3]
}

// AggregateDelta returns the statement that updates the counts before the
// deltas (ua_base) by the merge's changes into ua_agg.
func AggregateDelta(p Params) []string { return render("sql/aggregate_delta.sql", p) }

// Aggregate returns the statement that counts user_anime into ua_base.
func Aggregate(p Params) []string { return render("sql/aggregate.sql", p) }

// Catalogue returns the statements that fill the model's catalogue side
// (anime of the catalogue, tag dimensions and bridges, score votes) from
// the catalogue's load tables alone; Finalize follows them.
func Catalogue(p Params) []string { return render("sql/catalogue.sql", p) }

// CatalogueSplit returns Catalogue's statements in two parts: those that
// write anime (its rows of the catalogue, their synopses) and those that
// write the CatalogueFixed tables (tag dimensions and bridges, score
// votes), which nothing of Finalize reads. An engine may make the marts
// and start reading them before the second part is done.
func CatalogueSplit(p Params) (anime, fixed []string) {
	for _, q := range Catalogue(p) {
		if m := writesTable.FindStringSubmatch(q); m != nil && slices.Contains(CatalogueFixed, m[1]) {
			fixed = append(fixed, q)
		} else {
			anime = append(anime, q)
		}
	}
	return anime, fixed
}

// writesTable finds the table a statement (after its comments) writes.
var writesTable = regexp.MustCompile(`^(?:\s*--[^\n]*\n)*\s*(?:INSERT INTO|ALTER TABLE|UPDATE|DELETE FROM) (\w+)`)

// Finalize returns the statements that fill the rest of the model from
// ua_agg and the loads, after Catalogue's.
func Finalize(p Params) []string { return render("sql/finalize.sql", p) }

// AddedKeys returns the statements of Catalogue and Finalize that give the
// derived tables their primary keys once filled (ALTER TABLE … ADD PRIMARY
// KEY, where d.ModelKeys): the keys the DDL of other engines declares.
func AddedKeys(d Dialect) []string {
	p := Params{Dialect: d}
	var out []string
	for _, s := range append(Catalogue(p), Finalize(p)...) {
		if strings.Contains(s, "ADD PRIMARY KEY") {
			out = append(out, s)
		}
	}
	return out
}

// Views returns the DDL of the seed-compatible views.
func Views() []string { return render("sql/views.sql", Params{}) }

// Query returns a canned query by name ("top_rated", "most_watched").
func Query(name string) (string, error) {
	b, err := files.ReadFile("queries/" + name + ".sql")
	if err != nil {
		return "", fmt.Errorf("schema: no query %q", name)
	}
	return strings.TrimSpace(string(b)), nil
}

// TagValue is one item of a list column of one anime: a row of anime_tag_load.
type TagValue struct {
	Dim      string
	Position int16
	Name     string
}

// AnimeTags returns the items of an anime's list columns, by dimension, with
// their position in the source list.
func AnimeTags(a *animetl.Anime) []TagValue {
	return AppendAnimeTags(nil, a)
}

// AppendAnimeTags appends AnimeTags(a) to out, so a loader can reuse one
// slice for every anime.
func AppendAnimeTags(out []TagValue, a *animetl.Anime) []TagValue {
	for _, t := range Tags {
		var items []string
		switch t.Dim {
		case "genre":
			items = a.Genres
		case "studio":
			items = a.Studios
		case "producer":
			items = a.Producers
		case "licensor":
			items = a.Licensors
		default:
			panic("schema: no list column for tag dimension " + t.Dim)
		}
		for i, name := range items {
			out = append(out, TagValue{Dim: t.Dim, Position: int16(i + 1), Name: name})
		}
	}
	return out
}

// TableCounts returns the statement that records the published tables'
// sizes in etl_table ($1 is the run), for the drift check. user_anime's size
// is the sum of its counts per anime and status (ua_agg), exact and without
// a scan of the fact table.
func TableCounts(p Params) string {
	parts := make([]string, 0, len(ModelTables))
	for _, t := range ModelTables {
		if t == "user_anime" {
			parts = append(parts, fmt.Sprintf("SELECT $1, 'user_anime', CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM %sua_agg", p.Scratch))
			continue
		}
		parts = append(parts, fmt.Sprintf("SELECT $1, '%s', count(*) FROM %s", t, t))
	}
	return "INSERT INTO etl_table (run_id, table_name, row_count)\n" + strings.Join(parts, "\nUNION ALL ")
}

// RejectCounts reads how many lines of each file of a run the ledger holds
// as rejected and as duplicates.
func RejectCounts(ctx context.Context, q animetl.Querier, runID string) (rejected, duplicate map[string]int64, err error) {
	rows, err := q.Query(ctx, `SELECT file, kind, count(*) FROM etl_reject WHERE run_id = $1 GROUP BY file, kind`, runID)
	if err != nil {
		return nil, nil, fmt.Errorf("count rejects: %w", err)
	}
	defer rows.Close()
	rejected, duplicate = map[string]int64{}, map[string]int64{}
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return nil, nil, err
		}
		file, _ := v[0].(string)
		kind, _ := v[1].(string)
		n, _ := v[2].(int64)
		if kind == string(animetl.KindDuplicate) {
			duplicate[file] += n
		} else {
			rejected[file] += n
		}
	}
	return rejected, duplicate, rows.Err()
}
