package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/animetl/animetl/schema"
)

type queryFlags struct {
	sql        string
	limit      int
	minRatings int
	format     string
}

// DefaultMinRatings is the default --min-ratings of `query top-rated`.
const defaultMinRatings = 50

func (a *app) queryCommand() *cobra.Command {
	var f queryFlags
	cmd := &cobra.Command{
		Use:   "query top-rated|most-watched | query --sql 'SELECT ...'",
		Short: "Answer the two questions, or run read-only SQL on the published warehouse",
		Long: `query answers from the published warehouse:

  top-rated     anime with the highest mean user rating, among those with at
                least --min-ratings ratings (users who rated; rating 0 in the
                source means "not rated" and does not count)
  most-watched  anime with the most users whose status is Currently Watching

or runs one read-only SQL statement (--sql). The statement runs in a
read-only transaction on PostgreSQL and on a read-only handle on DuckDB.`,
		Example: `  animetl query top-rated --limit 10
  animetl query most-watched --format csv
  animetl query --sql 'SELECT * FROM anime_master WHERE Score = (SELECT MAX(Score) FROM anime_master)'`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: []string{"top-rated", "most-watched"},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.query(cmd, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.sql, "sql", "", "run this read-only SQL statement instead of a named question")
	fl.IntVar(&f.limit, "limit", 10, "rows to show for a named question")
	fl.IntVar(&f.minRatings, "min-ratings", defaultMinRatings, "top-rated: minimum number of user ratings")
	fl.StringVar(&f.format, "format", "table", "output: table, csv or json")
	a.warehouseFlags(cmd, false)
	return cmd
}

func (a *app) query(cmd *cobra.Command, f queryFlags, args []string) error {
	if err := firstError(
		atLeast("limit", f.limit, 1),
		atLeast("min-ratings", f.minRatings, 0),
		oneOf("format", f.format, "table", "csv", "json"),
		a.validateWarehouse(false),
	); err != nil {
		return err
	}
	var q string
	var qargs []any
	switch {
	case f.sql != "" && len(args) > 0:
		return usagef("give a question or --sql, not both")
	case f.sql != "":
		q = f.sql
	case len(args) == 0:
		return usagef("name a question (top-rated, most-watched) or give --sql")
	case args[0] == "top-rated":
		q, _ = schema.Query("top_rated")
		qargs = []any{f.minRatings, f.limit}
	case args[0] == "most-watched":
		q, _ = schema.Query("most_watched")
		qargs = []any{f.limit}
	default:
		return usagef("unknown question %q: want top-rated or most-watched", args[0])
	}
	ctx := cmd.Context()
	wh, _, err := a.openWarehouse(ctx)
	if err != nil {
		return err
	}
	defer wh.Close()
	rows, err := wh.Query(ctx, q, qargs...)
	if err != nil {
		return exitError{code: exitFailed, err: err}
	}
	if _, err := writeRows(a.stdout, rows, f.format); err != nil {
		return exitError{code: exitFailed, err: fmt.Errorf("query: %w", err)}
	}
	return nil
}
