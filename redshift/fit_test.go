package redshift_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/animetl/animetl/redshift"
)

var (
	createRE  = regexp.MustCompile(`CREATE TABLE \w+\.(\w+) \(`)
	varcharRE = regexp.MustCompile(`(?m)^\s+(\w+)\s+VARCHAR\((\d+|MAX)\)`)
)

// TestVarcharsFitTheData reads the exported lake with DuckDB: no text of a
// generated set with hostile lines is longer, in UTF-8 bytes (what Redshift
// counts), than its VARCHAR in the DDL.
func TestVarcharsFitTheData(t *testing.T) {
	dir, m := exportedLake(t)
	ddl, err := redshift.DDL("dw")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checked := 0
	for _, s := range ddl {
		table := createRE.FindStringSubmatch(s)
		if table == nil {
			continue
		}
		var files []string
		for _, tm := range m.Tables {
			if tm.Name == table[1] {
				for _, f := range tm.Files {
					files = append(files, "'"+filepath.Join(dir, filepath.FromSlash(f.Path))+"'")
				}
			}
		}
		if len(files) == 0 {
			continue // a recommendation table: not exported yet
		}
		for _, c := range varcharRE.FindAllStringSubmatch(s, -1) {
			limit := 65535
			if c[2] != "MAX" {
				limit, _ = strconv.Atoi(c[2])
			}
			var longest int64
			q := fmt.Sprintf("SELECT coalesce(max(strlen(%s)), 0) FROM read_parquet([%s])", c[1], strings.Join(files, ","))
			if err := db.QueryRow(q).Scan(&longest); err != nil {
				t.Fatalf("%s.%s: %v", table[1], c[1], err)
			}
			if longest > int64(limit) {
				t.Errorf("%s.%s: a value of %d bytes in the lake, VARCHAR(%s) in the DDL", table[1], c[1], longest, c[2])
			}
			checked++
		}
	}
	if checked < 10 {
		t.Errorf("checked %d text columns, want every one of the exported tables", checked)
	}
}
