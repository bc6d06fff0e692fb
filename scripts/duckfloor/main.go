// Command duckfloor measures the DuckDB floor of the benchmark: DuckDB's own
// CSV reader loading animelist.csv into a table, through the same DuckDB
// library animetl links. scripts/bench.sh runs it under /usr/bin/time.
//
//	go run ./scripts/duckfloor -csv animelist.csv -db floor.duckdb
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

func main() {
	csv := flag.String("csv", "", "animelist.csv to load")
	db := flag.String("db", "", "database file to create (removed first)")
	mem := flag.String("memory-limit", "1GB", "DuckDB memory limit, as animetl sets it")
	flag.Parse()
	if *csv == "" || *db == "" {
		fmt.Fprintln(os.Stderr, "usage: duckfloor -csv FILE -db FILE")
		os.Exit(2)
	}
	for _, p := range []string{*db, *db + ".wal"} {
		os.Remove(p)
	}
	c, err := duckdb.NewConnector(*db, nil)
	if err != nil {
		fail(err)
	}
	conn := sql.OpenDB(c)
	defer conn.Close()
	start := time.Now()
	for _, q := range []string{
		fmt.Sprintf("SET memory_limit = '%s'", strings.ReplaceAll(*mem, "'", "")),
		fmt.Sprintf("CREATE TABLE floor AS SELECT * FROM read_csv('%s', header = true)", strings.ReplaceAll(*csv, "'", "''")),
		"CHECKPOINT",
	} {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			fail(fmt.Errorf("%s: %w", q, err))
		}
	}
	var n int64
	if err := conn.QueryRow("SELECT count(*) FROM floor").Scan(&n); err != nil {
		fail(err)
	}
	fmt.Printf("loaded %d rows in %s\n", n, time.Since(start).Round(time.Millisecond))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "duckfloor:", err)
	os.Exit(1)
}
