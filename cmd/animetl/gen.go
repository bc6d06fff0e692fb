package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/animetl/animetl/synth"
)

type genFlags struct {
	out        string
	rows       int64
	anime      int
	seed       uint64
	layout     string
	defectRate float64
}

func (a *app) genCommand() *cobra.Command {
	var f genFlags
	cmd := &cobra.Command{
		Use:   "gen --out DIR",
		Short: "Generate a synthetic source dataset in the real layouts",
		Long: `gen writes the four source files (anime.csv, animelist.csv,
watching_status.csv, anime_with_synopsis.csv) with the shapes and quirks of
the real data: heavy-tailed popularity and list lengths, ratings that depend
on the anime and on each user's taste, Unknowns, undocumented status codes,
list ids missing from the catalogue, quoting and non-ASCII names. The same
seed gives the same bytes. --defect-rate mixes in hostile lines (duplicates,
conflicting repeats, blank, short, long and non-numeric lines).`,
		Example: `  animetl gen --out ./data --rows 8000000 --layout indexed`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.out == "" {
				return usagef("--out is required")
			}
			if f.rows < 0 {
				return usagef("rows %d: want 0 or more", f.rows)
			}
			start := time.Now()
			st, err := synth.WriteDir(cmd.Context(), f.out, synth.Config{
				Rows: f.rows, Anime: f.anime, Seed: f.seed, Layout: synth.Layout(f.layout), DefectRate: f.defectRate,
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote %s in %s\n", f.out, time.Since(start).Round(time.Millisecond))
			printGenStats(a.stdout, st)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "folder to write the four files to (created if missing)")
	fl.Int64Var(&f.rows, "rows", 8_000_000, "data lines of animelist.csv")
	fl.IntVar(&f.anime, "anime", 17562, "anime in the catalogue")
	fl.Uint64Var(&f.seed, "seed", 1, "random seed; the same seed gives the same files")
	fl.StringVar(&f.layout, "layout", "public", "public (headers as published) or indexed (the team's pandas re-save with an index column)")
	fl.Float64Var(&f.defectRate, "defect-rate", 0, "share of hostile animelist lines to mix in")
	return cmd
}

func printGenStats(w io.Writer, st synth.Stats) {
	t := newTable("file", "records", "bytes")
	for _, f := range st.Files() {
		t.row(f.Name, f.Records, f.Bytes)
	}
	t.write(w)
	fmt.Fprintf(w, "\n%d users, %d clean list entries, %d entries on %d anime ids missing from the catalogue, %d with undocumented status codes\n",
		st.Users, st.ListEntries, st.MissingAnimeRows, st.MissingAnimeIDs, st.UndocumentedStatus)
	if d := st.ListDefects.Total() + st.AnimeDefects.Total(); d > 0 {
		fmt.Fprintf(w, "%d hostile lines mixed in (%d in animelist.csv, %d in anime.csv)\n", d, st.ListDefects.Total(), st.AnimeDefects.Total())
	}
}
