package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/animetl/animetl/s3"
	"github.com/animetl/animetl/synth"
)

type genFlags struct {
	delta      string
	deletes    int64
	changed    float64
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
		Example: `  animetl gen --out ./data --rows 8000000 --layout indexed
  animetl gen --out s3://team-bucket/anime/ --rows 8000000
  animetl gen --out ./data --delta 2026-11-29 --rows 80000 --deletes 8000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.validateGen(cmd, f); err != nil {
				return err
			}
			return a.gen(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "folder to write the four files to (created if missing), or s3://bucket/prefix")
	fl.Int64Var(&f.rows, "rows", 8_000_000, "data lines of animelist.csv")
	fl.IntVar(&f.anime, "anime", 17562, "anime in the catalogue")
	fl.Uint64Var(&f.seed, "seed", 1, "random seed; the same seed gives the same files")
	fl.StringVar(&f.layout, "layout", "public", "public (headers as published) or indexed (the team's pandas re-save with an index column)")
	fl.Float64Var(&f.defectRate, "defect-rate", 0, "share of hostile animelist lines to mix in")
	fl.StringVar(&f.delta, "delta", "", "YYYY-MM-DD: write that day's delta files against the set already in --out (a folder) instead of a new set; --rows is then the delta's lines")
	fl.Int64Var(&f.deletes, "deletes", 0, "with --delta: lines of the day's deletes file (0: none)")
	fl.Float64Var(&f.changed, "changed-share", synth.DefaultChangedShare, "with --delta: share of the delta's lines that change existing entries")
	a.sourceFlags(cmd)
	return cmd
}

// validateGen checks every flag of gen, and that the flags of a delta and
// those of a new set are not mixed.
func (a *app) validateGen(cmd *cobra.Command, f genFlags) error {
	if f.out == "" {
		return usagef("--out is required")
	}
	if err := firstError(atLeast("rows", f.rows, 0), a.validateSource()); err != nil {
		return err
	}
	changed := cmd.Flags().Changed
	if f.delta == "" {
		for _, name := range []string{"deletes", "changed-share"} {
			if changed(name) {
				return usagef("--%s applies only with --delta", name)
			}
		}
		return firstError(
			intIn("anime", f.anime, 1, synth.MaxAnime),
			oneOf("layout", f.layout, string(synth.LayoutPublic), string(synth.LayoutIndexed)),
			share("defect-rate", f.defectRate, true),
		)
	}
	for _, name := range []string{"anime", "layout", "defect-rate"} {
		if changed(name) {
			return usagef("--%s does not apply with --delta: a delta follows the set in --out", name)
		}
	}
	if d, err := time.Parse(time.DateOnly, f.delta); err != nil || d.Format(time.DateOnly) != f.delta {
		return usagef("--delta %q: want a day as YYYY-MM-DD", f.delta)
	}
	if math.IsNaN(f.changed) || f.changed <= 0 || f.changed > 1 {
		// synth reads a share of 0 as its default: refuse it rather than
		// silently change it.
		return usagef("--changed-share %v: want a share above 0, at most 1", f.changed)
	}
	return atLeast("deletes", f.deletes, 0)
}

// gen writes the set into a folder, or into a temporary folder that is
// then uploaded to an s3:// prefix (multipart for big files), so a
// half-generated set never reaches the bucket.
func (a *app) gen(cmd *cobra.Command, f genFlags) error {
	ctx := cmd.Context()
	if f.delta != "" {
		return a.genDelta(cmd, f)
	}
	cfg := synth.Config{Rows: f.rows, Anime: f.anime, Seed: f.seed, Layout: synth.Layout(f.layout), DefectRate: f.defectRate}
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	dir := f.out
	var dst *s3.Source
	if strings.HasPrefix(f.out, "s3://") {
		var err error
		if dst, err = a.s3Source(ctx, f.out); err != nil {
			return err
		}
		tmp, err := os.MkdirTemp("", "animetl-gen-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	start := time.Now()
	st, err := synth.WriteDir(ctx, dir, cfg)
	if err != nil {
		return err
	}
	if dst != nil {
		for _, fs := range st.Files() {
			if err := dst.Upload(ctx, fs.Name, filepath.Join(dir, fs.Name)); err != nil {
				return exitError{code: exitFailed, err: err}
			}
		}
	}
	fmt.Fprintf(a.stdout, "wrote %s in %s\n", f.out, time.Since(start).Round(time.Millisecond))
	printGenStats(a.stdout, st)
	return nil
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

// genDelta writes one day's delta files against a set in a folder.
func (a *app) genDelta(cmd *cobra.Command, f genFlags) error {
	if strings.Contains(f.out, "://") {
		return usagef("--delta writes into a local folder holding a set; got %q", f.out)
	}
	cfg := synth.DeltaConfig{Date: f.delta, Rows: f.rows, Deletes: f.deletes, ChangedShare: f.changed, Seed: f.seed}
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	start := time.Now()
	st, err := synth.WriteDelta(cmd.Context(), f.out, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "wrote the delta of %s in %s: %s (%d changed, %d new entries, %d new users)",
		f.delta, time.Since(start).Round(time.Millisecond), st.Upserts.Name, st.Changed, st.New, st.NewUsers)
	if st.Deletes.Name != "" {
		fmt.Fprintf(a.stdout, ", %s (%d removed)", st.Deletes.Name, st.Deletes.Records)
	}
	fmt.Fprintln(a.stdout)
	return nil
}
