package main

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/recommend"
)

type evaluateFlags struct {
	models  string
	seed    uint64
	k       int
	params  recommend.Params
	timeout time.Duration
	json    bool
}

// evaluateReport is what evaluate --json prints, whatever the exit.
type evaluateReport struct {
	Status    string             `json:"status"`
	RunID     string             `json:"run_id,omitempty"`
	Seed      uint64             `json:"seed"`
	K         int                `json:"k"`
	Users     int                `json:"users"`
	Items     int                `json:"items"`
	Entries   int                `json:"entries"`
	TestUsers int                `json:"test_users"`
	Models    []recommend.Result `json:"models"`
	// LoadSeconds is the time to read user_anime and build the matrix.
	LoadSeconds float64 `json:"load_seconds"`
	// MaxRSSBytes is the process's peak resident set (getrusage) at the end.
	MaxRSSBytes int64  `json:"max_rss_bytes"`
	Error       string `json:"error,omitempty"`
	ExitCode    int    `json:"exit_code"`
}

// maxEvaluateK bounds --k: lists longer than that are no top-N any more.
const maxEvaluateK = 1000

func (a *app) evaluateCommand() *cobra.Command {
	var f evaluateFlags
	var done *evaluateReport
	cmd := &cobra.Command{
		Use:   "evaluate",
		Short: "Measure the recommenders on a deterministic split of the published lists",
		Long: `evaluate reads the published user_anime (one published state), splits each
user's list with --seed (users with at least 5 entries give a fifth of them,
chosen by a seeded hash of user and anime, to the test half: the export's
split column), trains each model of --models on the train half and scores
its top --k unseen anime per user against the user's test anime:

  ndcg       DCG / ideal DCG, binary relevance, 1/log2(rank+1) gains
  precision  test anime in the list / k
  recall     test anime in the list / the user's test anime
  map        mean average precision (precisions at the hits / min(k, test anime))
  coverage   share of the catalogue in at least one user's list
  train_s    the fit's wall time; score_s the evaluated users' lists
  fit_heap   the Go heap the fit adds at its peak (runtime/metrics, sampled)

Means are over the users with test anime. The models: popularity (the
baseline), itemknn (cosine with shrinkage over each user's weights divided
by the square root of the list's length, --neighbours per anime) and als
(implicit ALS, confidence 1 + alpha·weight, weights by status and rating).`,
		Example: `  animetl evaluate --warehouse duckdb:animetl.duckdb
  animetl evaluate --warehouse postgres://reader@db/dw --models als --factors 128 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, err := a.evaluate(cmd, f)
			done = rep
			return err
		},
	}
	def := recommend.DefaultParams()
	fl := cmd.Flags()
	fl.StringVar(&f.models, "models", strings.Join(recommend.Models, ","), "models to evaluate, comma-separated: "+strings.Join(recommend.Models, ", "))
	fl.Uint64Var(&f.seed, "seed", recommend.DefaultSeed, "seed of the split and of ALS's start")
	fl.IntVar(&f.k, "k", recommend.DefaultK, "length of the lists scored")
	fl.IntVar(&f.params.Factors, "factors", def.Factors, "als: factors per user and anime")
	fl.Float64Var(&f.params.Regularization, "regularization", def.Regularization, "als: L2 regularization")
	fl.IntVar(&f.params.Iterations, "iterations", def.Iterations, "als: alternating sweeps")
	fl.Float64Var(&f.params.Alpha, "alpha", def.Alpha, "als: confidence = 1 + alpha·weight")
	fl.IntVar(&f.params.Neighbours, "neighbours", def.Neighbours, "itemknn: similar anime kept per anime")
	fl.Float64Var(&f.params.Shrink, "shrink", def.Shrink, "itemknn: shrinkage of the cosine")
	fl.DurationVar(&f.timeout, "statement-timeout", defaultExportStatementTimeout, "PostgreSQL: time bound of reading user_anime")
	fl.BoolVar(&f.json, "json", false, "print exactly one JSON object on stdout, whatever the exit")
	a.warehouseFlags(cmd, false)
	a.reports[cmd] = func(code int, err error) any {
		rep := evaluateReport{Status: "failed", Models: []recommend.Result{}}
		if done != nil {
			rep = *done
		}
		if err != nil {
			rep.Status, rep.Error = "failed", err.Error()
		}
		rep.ExitCode = code
		return rep
	}
	return cmd
}

// validate checks evaluate's flags and returns the model names.
func (f evaluateFlags) validate() ([]string, error) {
	var names []string
	for _, n := range strings.Split(f.models, ",") {
		n = strings.TrimSpace(n)
		if err := oneOf("models", n, recommend.Models...); err != nil {
			return nil, err
		}
		for _, seen := range names {
			if seen == n {
				return nil, usagef("--models %q: %s twice", f.models, n)
			}
		}
		names = append(names, n)
	}
	p := f.params
	err := firstError(intIn("k", f.k, 1, maxEvaluateK), intIn("factors", p.Factors, 1, recommend.MaxFactors),
		intIn("iterations", p.Iterations, 1, recommend.MaxIterations), intIn("neighbours", p.Neighbours, 1, recommend.MaxNeighbours),
		positive("regularization", p.Regularization), positive("alpha", p.Alpha), positive("shrink", p.Shrink),
		positiveDuration("statement-timeout", f.timeout))
	return names, err
}

func (a *app) evaluate(cmd *cobra.Command, f evaluateFlags) (*evaluateReport, error) {
	names, err := f.validate()
	if err != nil {
		return nil, err
	}
	if err := a.validateWarehouse(false); err != nil {
		return nil, err
	}
	f.params.Seed = f.seed
	models := make([]recommend.Model, len(names))
	for i, n := range names {
		if models[i], err = recommend.New(n, f.params); err != nil {
			return nil, usageError{err}
		}
	}
	ctx := cmd.Context()
	pub, name, err := a.openPublication(serveFlags{pgMaxConns: 2, statementTimeout: f.timeout})
	if err != nil {
		return nil, exitError{code: exitFailed, err: err}
	}
	defer pub.Close()
	start := time.Now()
	var data *recommend.Data
	var run animetl.PublishedRun
	// A snapshot may go stale when a run publishes while it is read: read
	// again from the new published state.
	for attempt := 0; ; attempt++ {
		snap, err := pub.Snapshot(ctx)
		if err != nil {
			return nil, exitError{code: exitFailed, err: animetl.RedactError(fmt.Errorf("evaluate: %w", err), a.wh.warehouse)}
		}
		run = snap.Run()
		data, err = recommend.Load(ctx, snap, nil)
		snap.Close()
		if errors.Is(err, animetl.ErrStale) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, exitError{code: exitFailed, err: animetl.RedactError(fmt.Errorf("evaluate: %w", err), a.wh.warehouse)}
		}
		break
	}
	rep := &evaluateReport{Status: "succeeded", RunID: run.RunID, Seed: f.seed, K: f.k, Users: len(data.Users),
		Items: len(data.Items), Entries: data.NNZ(), LoadSeconds: time.Since(start).Seconds(), Models: []recommend.Result{}}
	train, test := recommend.Split(data, f.seed)
	for u := range test.Users {
		if test.Ptr[u+1] > test.Ptr[u] {
			rep.TestUsers++
		}
	}
	for _, m := range models {
		res, err := recommend.Evaluate(ctx, m, train, test, f.k)
		if err != nil {
			return rep, exitError{code: exitFailed, err: fmt.Errorf("evaluate: %w", err)}
		}
		rep.Models = append(rep.Models, res)
		a.log.Info("evaluated", "model", res.Model, "ndcg", res.NDCG, "train_seconds", res.TrainSeconds)
	}
	rep.MaxRSSBytes = maxRSS()
	a.finished = true
	a.log.Info("evaluate", "warehouse", name, "run_id", rep.RunID, "users", rep.Users, "entries", rep.Entries)
	if f.json {
		return rep, nil
	}
	fmt.Fprintf(a.stdout, "run %s: %d users, %d anime, %d list entries; %d users evaluated (seed %d)\n\n",
		rep.RunID, rep.Users, rep.Items, rep.Entries, rep.TestUsers, rep.Seed)
	if rep.TestUsers == 0 {
		fmt.Fprintf(a.stderr, "animetl: no user has %d or more list entries, so the split holds no test entries and every metric below is 0\n",
			recommend.MinSplitEntries)
	}
	k := fmt.Sprint(f.k)
	t := newTable("model", "ndcg@"+k, "precision@"+k, "recall@"+k, "map@"+k, "coverage", "train_s", "score_s", "fit_heap_mib")
	for _, r := range rep.Models {
		t.row(r.Model, r.NDCG, r.Precision, r.Recall, r.MAP, r.Coverage, r.TrainSeconds, r.ScoreSeconds, float64(r.FitPeakHeapBytes)/(1<<20))
	}
	t.write(a.stdout)
	fmt.Fprintf(a.stdout, "\nread in %.1fs; peak RSS of the process %.0f MiB\n", rep.LoadSeconds, float64(rep.MaxRSSBytes)/(1<<20))
	return rep, nil
}

// maxRSS is the process's peak resident set in bytes (0 when unknown).
func maxRSS() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return int64(ru.Maxrss) * 1024 // Linux reports KiB
}
