package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/local"
	"github.com/animetl/animetl/pipeline"
	"github.com/animetl/animetl/schema"
	"github.com/animetl/animetl/synth"
)

type demoFlags struct {
	rows int64
	seed uint64
	data string
}

func (a *app) demoCommand() *cobra.Command {
	var f demoFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "The one-minute tour: generate a sample, load it, check it, answer the two questions",
		Long: `demo generates a small synthetic dataset in the team's layout (with a few
hostile lines), runs it into the warehouse (the embedded DuckDB file
animetl.duckdb by default), and prints the run summary and the answers to
"which anime do users rate highest?" and "which anime are most people
watching right now?".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.demo(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.Int64Var(&f.rows, "rows", 300_000, "list entries to generate")
	fl.Uint64Var(&f.seed, "seed", 42, "random seed")
	fl.StringVar(&f.data, "data", "", "keep the generated files in this folder (default: a temporary folder, removed)")
	a.warehouseFlags(cmd, true)
	return cmd
}

func (a *app) demo(cmd *cobra.Command, f demoFlags) error {
	ctx := cmd.Context()
	if err := firstError(intIn("rows", f.rows, 1, maxDemoRows), a.validateWarehouse(true)); err != nil {
		return err
	}
	dir := f.data
	if dir == "" {
		tmp, err := os.MkdirTemp("", "animetl-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	out := a.stdout
	fmt.Fprintf(out, "1. Generating %d list entries and a catalogue (the team's indexed layout, a few hostile lines) in %s\n", f.rows, dir)
	t0 := time.Now()
	st, err := synth.WriteDir(ctx, dir, synth.Config{Rows: f.rows, Seed: f.seed, Layout: synth.LayoutIndexed, DefectRate: 0.0005})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   done in %s: %d users, %d hostile lines mixed in\n\n", time.Since(t0).Round(time.Millisecond),
		st.Users, st.ListDefects.Total()+st.AnimeDefects.Total())

	src, err := local.New(dir)
	if err != nil {
		return err
	}
	wh, whName, err := a.openWarehouse(ctx)
	if err != nil {
		return err
	}
	defer wh.Close()
	fmt.Fprintf(out, "2. Running extract -> clean -> load -> checks -> publish into %s\n\n", whName)
	bar, _ := newProgress(a.stderr, "auto")
	cfg := pipeline.DefaultConfig()
	cfg.Source, cfg.Warehouse, cfg.WarehouseName, cfg.Logger, cfg.Progress = src, wh, whName, a.log, bar.update
	sum, err := pipeline.Run(ctx, cfg)
	bar.finish()
	if sum != nil {
		printSummary(out, sum, false)
	}
	if err != nil {
		return exitError{code: exitFailed, err: err}
	}

	fmt.Fprintf(out, "\n3. Which anime do users rate highest? (mean user rating, at least %d ratings)\n\n", defaultMinRatings)
	if err := a.demoQuery(cmd, wh, "top_rated", defaultMinRatings, 10); err != nil {
		return err
	}
	fmt.Fprintf(out, "\n4. Which anime are most people watching right now? (status Currently Watching)\n\n")
	if err := a.demoQuery(cmd, wh, "most_watched", 10); err != nil {
		return err
	}
	fmt.Fprintf(out, "\n5. The original project's query, unchanged:\n   SELECT * FROM anime_master WHERE Score = (SELECT MAX(Score) FROM anime_master)\n\n")
	rows, err := wh.Query(ctx, "SELECT * FROM anime_master WHERE Score = (SELECT MAX(Score) FROM anime_master)")
	if err != nil {
		return exitError{code: exitFailed, err: err}
	}
	if _, err := writeRows(out, rows, "table"); err != nil {
		return exitError{code: exitFailed, err: err}
	}
	fmt.Fprintf(out, "\nNext: animetl query --sql 'SELECT * FROM etl_reject WHERE run_id = ''%s''' --warehouse '%s'\n", sum.RunID, whName)
	fmt.Fprintf(out, "      animetl serve --warehouse '%s'   then open http://127.0.0.1:8080/ (the dashboard)\n", whName)
	return nil
}

func (a *app) demoQuery(cmd *cobra.Command, wh animetl.Warehouse, name string, args ...any) error {
	q, err := schema.Query(name)
	if err != nil {
		return err
	}
	rows, err := wh.Query(cmd.Context(), q, args...)
	if err != nil {
		return exitError{code: exitFailed, err: err}
	}
	_, err = writeRows(a.stdout, rows, "table")
	return err
}
