package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/postgres"
	"github.com/animetl/animetl/recommend"
)

// recFlags are the flags of recommend and similar.
type recFlags struct {
	id     int64
	limit  int
	format string
}

// Bounds of --limit: a run keeps the top 20 per user and anime.
const (
	defaultRecLimit = 10
	maxRecLimit     = 20
)

func (a *app) recommendCommand() *cobra.Command {
	var f recFlags
	cmd := &cobra.Command{
		Use:   "recommend --user ID",
		Short: "Show a user's recommendations, as the published warehouse holds them",
		Long: `recommend prints a user's top recommendations from the published warehouse
(rec_user, trained by ` + "`animetl run --recommend`" + `): anime the user has not
listed, best first, with the model's score.

A user the model has no recommendations for gets the anime on the most lists
instead (model "popularity"), minus those on their list, and says so: on
stderr for the table and csv formats, as "fallback": true with a
"fallback_reason" in json. A user id up to the largest one of the published
lists is a user (one with no list entries has no history); a larger one is
unknown: exit 3. A warehouse without recommendations: exit 1.`,
		Example: `  animetl recommend --user 42
  animetl recommend --user 42 --limit 20 --format json --warehouse postgres://reader@db/dw`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.recommend(cmd, f, "user")
		},
	}
	fl := cmd.Flags()
	fl.Int64Var(&f.id, "user", -1, "the user id (required)")
	a.recFlags(cmd, &f)
	return cmd
}

func (a *app) similarCommand() *cobra.Command {
	var f recFlags
	cmd := &cobra.Command{
		Use:   "similar --anime ID",
		Short: "Show the anime most like one anime, as the published warehouse holds them",
		Long: `similar prints the anime most like one anime from the published warehouse
(rec_similar, trained by ` + "`animetl run --recommend`" + `), the most alike
first, with the model's similarity. An anime id not in the published
catalogue is unknown: exit 3. A warehouse without recommendations: exit 1.`,
		Example: `  animetl similar --anime 1
  animetl similar --anime 1 --limit 5 --format csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.recommend(cmd, f, "anime")
		},
	}
	fl := cmd.Flags()
	fl.Int64Var(&f.id, "anime", -1, "the anime id (required)")
	a.recFlags(cmd, &f)
	return cmd
}

func (a *app) recFlags(cmd *cobra.Command, f *recFlags) {
	fl := cmd.Flags()
	fl.IntVar(&f.limit, "limit", defaultRecLimit, fmt.Sprintf("how many anime to show, 1 to %d", maxRecLimit))
	fl.StringVar(&f.format, "format", "table", "output: table, csv or json")
	a.warehouseFlags(cmd, false)
}

// recAnswer is what recommend and similar print with --format json: the
// API's body.
type recAnswer struct {
	RunID          string    `json:"run_id"`
	PublishedAt    string    `json:"published_at"`
	UserID         *int64    `json:"user_id,omitempty"`
	AnimeID        *int64    `json:"anime_id,omitempty"`
	Model          string    `json:"model"`
	ModelRunID     string    `json:"model_run_id"`
	TrainedAt      string    `json:"trained_at"`
	Fallback       bool      `json:"fallback"`
	FallbackReason string    `json:"fallback_reason,omitempty"`
	Items          []recItem `json:"items"`
}

type recItem struct {
	Rank    int     `json:"rank"`
	AnimeID int64   `json:"anime_id"`
	Name    *string `json:"name"`
	Score   float64 `json:"score"`
}

// recommend answers recommend (of "user") and similar (of "anime").
func (a *app) recommend(cmd *cobra.Command, f recFlags, of string) error {
	if !cmd.Flags().Changed(of) {
		return usagef("--%s: required: the %s id", of, of)
	}
	if err := firstError(
		intIn(of, f.id, 0, 1<<31-1),
		intIn("limit", f.limit, 1, maxRecLimit),
		oneOf("format", f.format, "table", "csv", "json"),
		a.validateWarehouse(false),
	); err != nil {
		return err
	}
	pub, _, err := a.openPublication(serveFlags{pgMaxConns: 1, statementTimeout: postgres.DefaultStatementTimeout})
	if err != nil {
		return exitError{code: exitFailed, err: animetl.RedactError(err, a.wh.warehouse)}
	}
	defer pub.Close()
	ans, run, err := readRecs(cmd.Context(), pub, of, f.id, f.limit)
	switch {
	case errors.Is(err, recommend.ErrUnknownUser), errors.Is(err, recommend.ErrUnknownAnime):
		return exitError{code: exitNotFound, err: fmt.Errorf("%s: %w", cmd.Name(), err)}
	case err != nil:
		return exitError{code: exitFailed, err: fmt.Errorf("%s: %w", cmd.Name(), animetl.RedactError(err, a.wh.warehouse))}
	}
	if err := a.writeRecs(ans, run, of, f); err != nil {
		return exitError{code: exitFailed, err: fmt.Errorf("%s: %w", cmd.Name(), err)}
	}
	return nil
}

// readRecs reads one answer from one snapshot, again when a publish
// interrupts it.
func readRecs(ctx context.Context, pub animetl.Publication, of string, id int64, limit int) (*recommend.Answer, animetl.PublishedRun, error) {
	var err error
	for range 3 {
		var ans *recommend.Answer
		var run animetl.PublishedRun
		ans, run, err = readRecsOnce(ctx, pub, of, id, limit)
		if !errors.Is(err, animetl.ErrStale) {
			return ans, run, err
		}
	}
	return nil, animetl.PublishedRun{}, err
}

func readRecsOnce(ctx context.Context, pub animetl.Publication, of string, id int64, limit int) (*recommend.Answer, animetl.PublishedRun, error) {
	snap, err := pub.Snapshot(ctx)
	if err != nil {
		return nil, animetl.PublishedRun{}, err
	}
	defer snap.Close()
	p, err := recommend.ReadPublished(ctx, snap)
	if err != nil {
		return nil, snap.Run(), err
	}
	var ans *recommend.Answer
	if of == "user" {
		ans, err = p.UserRecs(ctx, snap, snap.Run(), id, limit, -1)
	} else {
		ans, err = p.SimilarRecs(ctx, snap, id, limit)
	}
	return ans, snap.Run(), err
}

func (a *app) writeRecs(ans *recommend.Answer, run animetl.PublishedRun, of string, f recFlags) error {
	if ans.Fallback && f.format != "json" {
		fmt.Fprintf(a.stderr, "animetl: user %d: %s: showing the anime on the most lists instead (model %s)\n", f.id, ans.Reason, ans.Model)
	}
	switch f.format {
	case "json":
		out := recAnswer{RunID: run.RunID, PublishedAt: formatTime(run.At), Model: ans.Model, ModelRunID: ans.RunID,
			TrainedAt: formatTime(ans.TrainedAt), Fallback: ans.Fallback, Items: []recItem{}}
		if of == "user" {
			out.UserID = &f.id
		} else {
			out.AnimeID = &f.id
		}
		if ans.Fallback {
			out.FallbackReason = ans.Reason
		}
		for _, it := range ans.Items {
			out.Items = append(out.Items, recItem{Rank: it.Rank, AnimeID: it.AnimeID, Name: it.Name, Score: it.Score})
		}
		return writeJSON(a.stdout, out)
	case "csv":
		return writeRecsCSV(a.stdout, ans.Items)
	}
	t := newTable("rank", "anime_id", "name", "score")
	for _, it := range ans.Items {
		var name any
		if it.Name != nil {
			name = *it.Name
		}
		t.row(int64(it.Rank), it.AnimeID, name, it.Score)
	}
	t.write(a.stdout)
	if len(ans.Items) == 0 {
		fmt.Fprintf(a.stderr, "animetl: the %s model has no recommendations for %s %d\n", ans.Model, of, f.id)
	}
	return nil
}

func writeRecsCSV(w io.Writer, items []recommend.Item) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"rank", "anime_id", "name", "score"})
	for _, it := range items {
		name := ""
		if it.Name != nil {
			name = *it.Name
		}
		cw.Write([]string{strconv.Itoa(it.Rank), strconv.FormatInt(it.AnimeID, 10), name, strconv.FormatFloat(it.Score, 'g', -1, 64)})
	}
	cw.Flush()
	return cw.Error()
}
