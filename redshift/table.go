// Package redshift writes the published star schema in Amazon Redshift's
// dialect and the COPY statements that load a lake run into it. Nothing here
// connects to a Redshift: the statements are generated from the warehouse's
// own DDL (schema/sql) and checked by parsing them with sqlglot's Redshift
// dialect in the tests.
package redshift

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/animetl/animetl/lake"
	"github.com/animetl/animetl/schema"
)

// Column is a column of a published table as schema/sql declares it.
type Column struct {
	Name    string
	Type    string // the warehouse's type: TEXT, INTEGER, DECIMAL(4,2), ...
	NotNull bool
}

// Table is a published table as schema/sql declares it.
type Table struct {
	Name       string
	Columns    []Column
	PrimaryKey []string
}

// lineage are the columns user_anime is loaded with and drops once the
// repeats are resolved (schema/sql/load.sql): not published.
var lineage = map[string]bool{"file_id": true, "line": true}

// factKey is user_anime's primary key, which the engines add after the load
// (the load table has none): the contract of docs/ARCHITECTURE.md.
var factKey = []string{"user_id", "anime_id"}

// Tables returns the published tables (schema.ModelTables, then
// schema.RecTables) as the warehouse's DDL declares them: model.sql and
// rec.sql, and user_anime's load table without its lineage columns. The
// Redshift DDL is generated from these, so it cannot drift from schema/sql.
func Tables() ([]Table, error) {
	byName := map[string]Table{}
	// The keys as PostgreSQL declares them: the contract's (Redshift's are
	// informational, and free).
	stmts := append(schema.Model(schema.Postgres), schema.Recommendations()...)
	for _, s := range schema.Load(schema.Params{Full: true, ListTable: lake.FactTable}) {
		if strings.HasPrefix(stripComments(s), "CREATE TABLE "+lake.FactTable+" (") {
			stmts = append(stmts, s)
		}
	}
	for _, s := range stmts {
		t, err := parseCreate(s)
		if err != nil {
			return nil, err
		}
		if t.Name == lake.FactTable {
			cols := t.Columns[:0]
			for _, c := range t.Columns {
				if !lineage[c.Name] {
					cols = append(cols, c)
				}
			}
			t.Columns, t.PrimaryKey = cols, factKey
		}
		byName[t.Name] = t
	}
	// The derived tables get their keys once filled (ModelKeys: an ALTER
	// TABLE of catalogue.sql and finalize.sql).
	for _, s := range schema.AddedKeys(schema.Postgres) {
		m := addKeyRE.FindStringSubmatch(stripComments(s))
		if m == nil {
			return nil, fmt.Errorf("redshift: cannot read the key of %q", s)
		}
		t, ok := byName[m[1]]
		if !ok {
			return nil, fmt.Errorf("redshift: schema/sql keys table %s, which it does not declare", m[1])
		}
		t.PrimaryKey = strings.Split(m[2], ", ")
		byName[m[1]] = t
	}
	var out []Table
	for _, name := range append(append([]string{}, schema.ModelTables...), schema.RecTables...) {
		t, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("redshift: schema/sql declares no table %s", name)
		}
		out = append(out, t)
	}
	return out, nil
}

var addKeyRE = regexp.MustCompile(`^ALTER TABLE ([a-z_][a-z0-9_]*) ADD PRIMARY KEY \(([a-z_, ]+)\)$`)

var createRE = regexp.MustCompile(`(?s)^CREATE TABLE ([a-z_][a-z0-9_]*) \((.*)\)$`)

// parseCreate reads one CREATE TABLE of schema/sql: columns with a type,
// NOT NULL and an inline PRIMARY KEY, and a table PRIMARY KEY. Anything
// else (a DEFAULT, a CHECK) is an error, so a new construct in schema/sql
// stops the generator instead of being dropped.
func parseCreate(stmt string) (Table, error) {
	m := createRE.FindStringSubmatch(stripComments(stmt))
	if m == nil {
		return Table{}, fmt.Errorf("redshift: not a CREATE TABLE of schema/sql: %.60q", stmt)
	}
	t := Table{Name: m[1]}
	for _, item := range splitTop(m[2]) {
		item = strings.Join(strings.Fields(item), " ")
		if rest, ok := strings.CutPrefix(item, "PRIMARY KEY ("); ok {
			for _, k := range strings.Split(strings.TrimSuffix(rest, ")"), ",") {
				t.PrimaryKey = append(t.PrimaryKey, strings.TrimSpace(k))
			}
			continue
		}
		name, typ, _ := strings.Cut(item, " ")
		c := Column{Name: name}
		if rest, ok := strings.CutSuffix(typ, " PRIMARY KEY"); ok {
			typ, c.NotNull = rest, true
			t.PrimaryKey = []string{name}
		}
		if rest, ok := strings.CutSuffix(typ, " NOT NULL"); ok {
			typ, c.NotNull = rest, true
		}
		if _, err := redshiftType(typ, 1); err != nil || name == "" {
			return Table{}, fmt.Errorf("redshift: %s: column %q: %v", t.Name, item, err)
		}
		c.Type = typ
		t.Columns = append(t.Columns, c)
	}
	return t, nil
}

// splitTop splits s at the commas outside parentheses.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func stripComments(s string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "--") {
			keep = append(keep, line)
		}
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}

var decimalRE = regexp.MustCompile(`^DECIMAL\((\d+),(\d+)\)$`)

// redshiftType maps a warehouse type to Redshift's. TEXT becomes
// VARCHAR(n) of n bytes, or VARCHAR(MAX) when n is 0.
func redshiftType(typ string, n int) (string, error) {
	switch typ {
	case "SMALLINT", "INTEGER", "BIGINT", "BOOLEAN", "DATE", "REAL", "DOUBLE PRECISION", "TIMESTAMP":
		return typ, nil
	case "TEXT":
		if n == 0 {
			return "VARCHAR(MAX)", nil
		}
		return fmt.Sprintf("VARCHAR(%d)", n), nil
	}
	if decimalRE.MatchString(typ) {
		return typ, nil
	}
	return "", fmt.Errorf("type %s has no Redshift mapping", typ)
}

// lakeType is the type the lake's manifest gives a warehouse type (DuckDB's
// spelling, lake/columns.go): what COPY reads from the Parquet files.
func lakeType(typ string) string {
	switch typ {
	case "TEXT":
		return "VARCHAR"
	case "DOUBLE PRECISION":
		return "DOUBLE"
	case "REAL":
		return "FLOAT"
	}
	return typ
}
