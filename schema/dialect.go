package schema

// Dialect is the SQL flavour the templates are rendered for. The texts are
// shared; the few forms the engines differ in are fields here, named by
// what the engine can do, so that a third engine is one more value rather
// than another branch in every template. The zero Dialect renders as
// DuckDB, the default warehouse.
type Dialect struct {
	// Name names the engine: "duckdb", "postgres" or "spark".
	Name string
	// RowID is the pseudo-column that locates a row, so a DELETE of rows
	// found by a join needs no second scan: DuckDB's rowid, PostgreSQL's
	// ctid. Empty when the engine has none (Spark: its tables are written,
	// never deleted from).
	RowID string
	// Unlogged creates the work tables without a write-ahead log.
	Unlogged bool
	// RangedDeletes says a DELETE of many rows runs range by range of row
	// ids, a checkpoint after each (DuckDB: one DELETE holds every row it
	// removes in memory; merge_duckdb.sql, repeats_duckdb.sql, driven by
	// duckdb/merge.go). Otherwise one statement deletes them, the merge's
	// handing the removed rows back (DELETE ... RETURNING).
	RangedDeletes bool
	// FactKeys gives user_anime's day tables (fact.sql) primary keys and
	// writes them in key order (PostgreSQL, where the keys guard
	// uniqueness and serve the day's lookups); DuckDB hashes its joins, and
	// an index there costs memory outside its limit.
	FactKeys bool
	// ModelKeys declares the primary keys of the model's derived tables
	// (the tag bridges, anime_score_votes, anime_status_stats) as
	// constraints (PostgreSQL, where a key is a B-tree built at a fraction
	// of the insert's cost and guards the table). DuckDB's is an ART index
	// built row by row: 5 to 10 times the cost of the insert itself (0.18 s
	// of a 2.5 s full run at 8M rows, on 17,562 anime), for keys that every
	// statement writing them already makes unique (DISTINCT, GROUP BY); the
	// checks prove them there instead (quality's *_pk_unique). Where they
	// are declared, they are added once the tables are filled (catalogue.sql,
	// finalize.sql; the bridges written in key order): one index build
	// against a key insert and its WAL record per row, about 0.6 s of CPU
	// less at 8M rows on the connection that builds the model beside the
	// key index of user_anime (anime_score_votes' 150,000 rows 0.18 s
	// against 0.36-0.45 s, their keys inserted in order).
	ModelKeys bool
	// GuardedAlter says ALTER TABLE takes its lock before it checks
	// IF NOT EXISTS (PostgreSQL), so a column is added only after a
	// catalogue lookup finds it missing.
	GuardedAlter bool
	// ColumnCompression is the clause that stores a text column
	// uncompressed (DuckDB): raw reject text, where choosing a compression
	// costs memory outside the engine's limit, and the catalogue's long
	// text, where it costs each full run's checkpoint more than it saves
	// (model.sql); empty where it does not apply.
	ColumnCompression string
	// RejectIndex indexes etl_reject by run (PostgreSQL); DuckDB's zone maps
	// find a run's rows, and an index there costs memory outside its limit.
	RejectIndex bool
}

// The dialects.
var (
	DuckDB   = Dialect{Name: "duckdb", RowID: "rowid", RangedDeletes: true, ColumnCompression: "USING COMPRESSION uncompressed"}
	Postgres = Dialect{Name: "postgres", RowID: "ctid", Unlogged: true, FactKeys: true, ModelKeys: true, GuardedAlter: true, RejectIndex: true}
	Spark    = Dialect{Name: "spark"}
)

// orDuckDB returns d, or DuckDB for the zero Dialect.
func (d Dialect) orDuckDB() Dialect {
	if d.Name == "" {
		return DuckDB
	}
	return d
}
