package redshift_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/animetl/animetl/redshift"
	"github.com/animetl/animetl/schema"
)

// parsedColumn is a column of a parsed CREATE TABLE.
type parsedColumn struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	NotNull bool   `json:"not_null"`
}

// parsed is what testdata/parse_redshift.py reports of one statement.
type parsed struct {
	Error      string            `json:"error"`
	Kind       string            `json:"kind"`
	Table      string            `json:"table"`
	Schema     string            `json:"schema"`
	Columns    []parsedColumn    `json:"columns"`
	PrimaryKey []string          `json:"primary_key"`
	DistStyle  string            `json:"diststyle"`
	DistKey    string            `json:"distkey"`
	SortKey    []string          `json:"sortkey"`
	Compound   bool              `json:"sortkey_compound"`
	Other      []string          `json:"other_properties"`
	Files      []string          `json:"files"`
	IAMRole    string            `json:"iam_role"`
	Params     map[string]string `json:"params"`
}

// sqlglotParse parses statements with sqlglot: redshift with its Redshift
// dialect, postgres with its PostgreSQL dialect.
func sqlglotParse(t *testing.T, rs, pg []string) (outRS, outPG []parsed) {
	t.Helper()
	python := os.Getenv("ANIMETL_TEST_SQLGLOT")
	if python == "" {
		t.Skip("needs ANIMETL_TEST_SQLGLOT=PATH of a python with sqlglot; `make test` installs scripts/requirements-redshift.txt and sets it")
	}
	in, _ := json.Marshal(map[string][]string{"redshift": rs, "postgres": pg})
	cmd := exec.Command(python, filepath.Join("testdata", "parse_redshift.py"))
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("parse_redshift.py: %v", err)
	}
	var got struct {
		Version  string   `json:"sqlglot"`
		Redshift []parsed `json:"redshift"`
		Postgres []parsed `json:"postgres"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("parse_redshift.py printed %s: %v", b, err)
	}
	t.Logf("sqlglot %s parsed %d Redshift and %d PostgreSQL statements", got.Version, len(got.Redshift), len(got.Postgres))
	for i, p := range got.Redshift {
		if p.Error != "" {
			t.Errorf("sqlglot (redshift) cannot parse statement %d: %s\n%s", i, p.Error, rs[i])
		}
	}
	for i, p := range got.Postgres {
		if p.Error != "" {
			t.Fatalf("sqlglot (postgres) cannot parse schema/sql statement %d: %s\n%s", i, p.Error, pg[i])
		}
	}
	return got.Redshift, got.Postgres
}

// keys are the distribution and sort keys the DDL must carry, as sqlglot
// reads them back.
var keys = map[string]struct {
	dist, distKey string
	sortKey       []string
}{
	"user_anime":         {"KEY", "user_id", []string{"watching_status", "anime_id"}},
	"rec_user":           {"KEY", "user_id", []string{"user_id", "rank"}},
	"anime":              {"ALL", "", []string{"anime_id"}},
	"anime_stats":        {"ALL", "", []string{"anime_id"}},
	"anime_status_stats": {"ALL", "", []string{"watching_status", "anime_id"}},
	"anime_score_votes":  {"ALL", "", []string{"anime_id", "score"}},
	"watching_status":    {"ALL", "", []string{"status"}},
	"genre":              {"ALL", "", []string{"genre_id"}},
	"anime_genre":        {"ALL", "", []string{"genre_id", "anime_id"}},
	"rec_similar":        {"ALL", "", []string{"anime_id", "rank"}},
	"rec_model":          {"ALL", "", []string{"table_name"}},
}

// redshiftOf is the type sqlglot prints for a column of schema/sql once
// mapped to Redshift (TEXT reads back as a VARCHAR of some length).
func redshiftOf(pgType string) string {
	switch pgType {
	case "TEXT":
		return "VARCHAR"
	case "DECIMAL(4, 2)":
		return "DECIMAL(4, 2)"
	}
	return pgType
}

// TestSqlglotParsesTheDDL parses every statement of `redshift ddl` with
// sqlglot's Redshift dialect and schema/sql's own DDL with its PostgreSQL
// dialect: every table of schema/sql is created, every column of model.sql
// and rec.sql is there with its mapped type and nullability, and the keys
// survive the parse.
func TestSqlglotParsesTheDDL(t *testing.T) {
	ddl, err := redshift.DDL("dw")
	if err != nil {
		t.Fatal(err)
	}
	source := append(schema.Model(schema.Postgres), schema.Recommendations()...)
	// The derived tables get their keys once filled: the ALTER TABLEs of
	// the statements that fill them.
	source = append(source, schema.AddedKeys(schema.Postgres)...)
	rs, pg := sqlglotParse(t, ddl, source)
	var keyed []parsed
	pg = slices.DeleteFunc(pg, func(p parsed) bool {
		if p.Kind == "add_primary_key" {
			keyed = append(keyed, p)
		}
		return p.Kind != "create_table"
	})
	if len(keyed) != 6 {
		t.Errorf("schema/sql adds %d primary keys once tables are filled, want 6 (the bridges, score votes, status counts): %+v", len(keyed), keyed)
	}
	for _, k := range keyed {
		i := slices.IndexFunc(pg, func(p parsed) bool { return p.Table == k.Table })
		if i < 0 || len(pg[i].PrimaryKey) > 0 {
			t.Errorf("schema/sql adds a primary key to %s, which it creates %v", k.Table, i >= 0)
			continue
		}
		pg[i].PrimaryKey = k.PrimaryKey
	}
	if rs[0].Kind != "create_schema" || rs[0].Schema != "dw" {
		t.Errorf("first statement: %+v, want CREATE SCHEMA dw", rs[0])
	}
	created := map[string]parsed{}
	for _, p := range rs[1:] {
		if p.Kind != "create_table" || p.Schema != "dw" {
			t.Errorf("statement %+v: want CREATE TABLE dw.*", p)
		}
		created[p.Table] = p
	}
	for _, name := range append(append([]string{}, schema.ModelTables...), schema.RecTables...) {
		if _, ok := created[name]; !ok {
			t.Errorf("the DDL creates no %s", name)
		}
	}
	if len(created) != len(schema.ModelTables)+len(schema.RecTables) {
		t.Errorf("the DDL creates %d tables, want %d", len(created), len(schema.ModelTables)+len(schema.RecTables))
	}
	for _, src := range pg {
		got := created[src.Table]
		for _, c := range src.Columns {
			i := slices.IndexFunc(got.Columns, func(g parsedColumn) bool { return g.Name == c.Name })
			if i < 0 {
				t.Errorf("%s.%s of schema/sql is not in the Redshift DDL", src.Table, c.Name)
				continue
			}
			g := got.Columns[i]
			if want := redshiftOf(c.Type); !strings.HasPrefix(g.Type, want) || (want == "VARCHAR" && g.Type == "VARCHAR") {
				t.Errorf("%s.%s: %s in schema/sql, %s in Redshift; want %s", src.Table, c.Name, c.Type, g.Type, want)
			}
			if g.NotNull != c.NotNull && !slices.Equal(src.PrimaryKey, []string{c.Name}) {
				t.Errorf("%s.%s: NOT NULL %v in schema/sql, %v in Redshift", src.Table, c.Name, c.NotNull, g.NotNull)
			}
		}
		if len(got.Columns) != len(src.Columns) {
			t.Errorf("%s: %d columns in schema/sql, %d in Redshift", src.Table, len(src.Columns), len(got.Columns))
		}
		if !slices.Equal(got.PrimaryKey, src.PrimaryKey) {
			t.Errorf("%s: primary key %v in Redshift, %v in schema/sql", src.Table, got.PrimaryKey, src.PrimaryKey)
		}
	}
	for name, p := range created {
		if len(p.Other) > 0 || p.DistStyle == "" || len(p.SortKey) == 0 || !p.Compound {
			t.Errorf("%s: diststyle %q, sortkey %v (compound %v), other %v", name, p.DistStyle, p.SortKey, p.Compound, p.Other)
		}
		if len(p.PrimaryKey) == 0 {
			t.Errorf("%s: no primary key", name)
		}
		if want, ok := keys[name]; ok && (p.DistStyle != want.dist || p.DistKey != want.distKey || !slices.Equal(p.SortKey, want.sortKey)) {
			t.Errorf("%s: DISTSTYLE %s DISTKEY %q SORTKEY %v; want %s %q %v", name, p.DistStyle, p.DistKey, p.SortKey, want.dist, want.distKey, want.sortKey)
		}
	}
	ua := created["user_anime"]
	var names []string
	for _, c := range ua.Columns {
		names = append(names, c.Name)
	}
	if want := []string{"user_id", "anime_id", "watching_status", "rating", "watched_episodes"}; !slices.Equal(names, want) {
		t.Errorf("user_anime columns %v, want %v (no lineage, no user_bucket)", names, want)
	}
}

// TestSqlglotParsesTheCopy parses every statement `redshift copy` prints
// for an exported lake: BEGIN, a DELETE and a Parquet COPY per table from
// the table's folder of the run with the role, COMMIT.
func TestSqlglotParsesTheCopy(t *testing.T) {
	dir, m := exportedLake(t)
	stmts, _, err := redshift.Copy(context.Background(), redshift.ReadDir(dir), redshift.CopyOptions{Lake: "s3://animetl-lake/prod", IAMRole: role, Schema: "dw"})
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := sqlglotParse(t, stmts, nil)
	if rs[0].Kind != "begin" || rs[len(rs)-1].Kind != "commit" {
		t.Fatalf("first %+v, last %+v: want BEGIN ... COMMIT", rs[0], rs[len(rs)-1])
	}
	copied := map[string]bool{}
	for _, p := range rs[1 : len(rs)-1] {
		switch p.Kind {
		case "delete":
			if p.Schema != "dw" {
				t.Errorf("DELETE of %s.%s", p.Schema, p.Table)
			}
		case "copy":
			want := "s3://animetl-lake/prod/runs/" + m.RunID + "/" + p.Table + "/"
			if p.Schema != "dw" || !slices.Equal(p.Files, []string{want}) || p.IAMRole != "'"+role+"'" || p.Params["FORMAT"] != "PARQUET" {
				t.Errorf("COPY %+v: want dw.%s from %s, the role, FORMAT PARQUET", p, p.Table, want)
			}
			copied[p.Table] = true
		default:
			t.Errorf("unexpected statement %+v inside the transaction", p)
		}
	}
	for _, name := range schema.ModelTables {
		if !copied[name] {
			t.Errorf("no COPY of %s", name)
		}
	}
}
