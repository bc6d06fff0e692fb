// Command recbench is the Go side of `make bench-rec` (scripts/bench_rec.sh):
// it compares animetl's ALS with the implicit library's on one train split.
//
//	go run ./scripts/recbench prepare -warehouse W.duckdb -work DIR [-seed 42] [-alpha 10]
//	go run ./scripts/recbench fit -warehouse W.duckdb -work DIR -go-times FILE [ALS flags]
//	go run ./scripts/recbench compare -warehouse W.duckdb -work DIR -out bench/rec.json [ALS flags]
//
// prepare loads the published user_anime, splits it (recommend.Split) and
// writes the train matrix with its confidences (1 + alpha·weight) for
// Python: DIR/indptr.i64, DIR/indices.i32, DIR/conf.f32 (raw little-endian
// CSR arrays, users × anime) and DIR/shape.json. scripts/bench_rec.py
// trains implicit's ALS on them and writes DIR/users.f32, DIR/items.f32 and
// DIR/implicit.json (its training time). compare loads and splits the same
// data again, trains recommend.ALS with the same settings, scores both
// models with recommend.Metrics and writes the comparison. fit only trains
// recommend.ALS and appends its training time to a file, so that the script
// can alternate the two libraries' fits and compare median times.
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/recommend"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	wh := fs.String("warehouse", "", "DuckDB warehouse file to read the published user_anime from")
	work := fs.String("work", "", "folder of the exchanged files")
	out := fs.String("out", "bench/rec.json", "compare: the report to write")
	def := recommend.DefaultParams()
	seed := fs.Uint64("seed", recommend.DefaultSeed, "seed of the split and of the random start")
	factors := fs.Int("factors", def.Factors, "ALS factors")
	reg := fs.Float64("regularization", def.Regularization, "ALS regularization")
	iters := fs.Int("iterations", def.Iterations, "ALS sweeps")
	alpha := fs.Float64("alpha", def.Alpha, "confidence = 1 + alpha·weight")
	evalPath := fs.String("evaluate", "", "compare: animetl evaluate --json output to embed")
	evalTime := fs.String("evaluate-time", "", "compare: /usr/bin/time -f '%e %M' output of that evaluate")
	goTimes := fs.String("go-times", "", "fit: the file to append the training time to; compare: its samples")
	implicitTimes := fs.String("implicit-times", "", "compare: implicit's training times, one a line (bench_rec.py appends them)")
	fs.Parse(os.Args[2:])
	if *wh == "" || *work == "" {
		usage()
	}
	ctx := context.Background()
	train, test := load(ctx, *wh, *seed)
	p := recommend.Params{Seed: *seed, Factors: *factors, Regularization: *reg, Iterations: *iters, Alpha: *alpha}
	switch os.Args[1] {
	case "prepare":
		check(prepare(train, *work, p))
	case "fit":
		check(fit(ctx, train, p, *goTimes))
	case "compare":
		check(compare(ctx, train, test, *work, *out, p, *evalPath, *evalTime, *goTimes, *implicitTimes))
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: recbench prepare|fit|compare -warehouse W.duckdb -work DIR [flags]")
	os.Exit(2)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "recbench:", err)
		os.Exit(1)
	}
}

func load(ctx context.Context, path string, seed uint64) (train, test *recommend.Data) {
	r, err := duckdb.OpenReader(duckdb.Options{Path: path})
	check(err)
	defer r.Close()
	snap, err := r.Snapshot(ctx)
	check(err)
	d, err := recommend.Load(ctx, snap, nil)
	snap.Close()
	check(err)
	return recommend.Split(d, seed)
}

// shape is DIR/shape.json.
type shape struct {
	Users          int     `json:"users"`
	Items          int     `json:"items"`
	NNZ            int     `json:"nnz"`
	Factors        int     `json:"factors"`
	Regularization float64 `json:"regularization"`
	Iterations     int     `json:"iterations"`
	Alpha          float64 `json:"alpha"`
	Seed           uint64  `json:"seed"`
}

func prepare(train *recommend.Data, work string, p recommend.Params) error {
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	conf := make([]float32, len(train.Weights))
	for i, w := range train.Weights {
		conf[i] = 1 + float32(p.Alpha)*w
	}
	for name, v := range map[string]any{"indptr.i64": train.Ptr, "indices.i32": train.Cols, "conf.f32": conf} {
		if err := writeRaw(filepath.Join(work, name), v); err != nil {
			return err
		}
	}
	b, _ := json.Marshal(shape{Users: len(train.Users), Items: len(train.Items), NNZ: train.NNZ(), Factors: p.Factors,
		Regularization: p.Regularization, Iterations: p.Iterations, Alpha: p.Alpha, Seed: p.Seed})
	return os.WriteFile(filepath.Join(work, "shape.json"), b, 0o644)
}

func writeRaw(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := binary.Write(f, binary.LittleEndian, v); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

func readF32(path string) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, nil
}

// side is one model's line of the report.
type side struct {
	NDCG      float64 `json:"ndcg_at_10"`
	Precision float64 `json:"precision_at_10"`
	// TrainSeconds is the median of TrainSamples, the alternated fits'
	// times (or the one fit's).
	TrainSeconds float64   `json:"train_seconds"`
	TrainSamples []float64 `json:"train_samples,omitempty"`
	// PeakHeapBytes (Go) is the heap the fit adds at its peak;
	// PeakRSSBytes (implicit) the Python process's peak RSS.
	PeakHeapBytes uint64 `json:"fit_peak_heap_bytes,omitempty"`
	PeakRSSBytes  int64  `json:"peak_rss_bytes,omitempty"`
	Version       string `json:"version"`
}

type report struct {
	Date           string  `json:"date"`
	Machine        string  `json:"machine"`
	CPUs           int     `json:"cpus"`
	Users          int     `json:"users"`
	Items          int     `json:"items"`
	TrainEntries   int     `json:"train_entries"`
	Factors        int     `json:"factors"`
	Regularization float64 `json:"regularization"`
	Iterations     int     `json:"iterations"`
	Alpha          float64 `json:"alpha"`
	CGSteps        int     `json:"cg_steps"`
	Go             side    `json:"animetl"`
	Implicit       side    `json:"implicit"`
	// NDCGRatio is animetl's NDCG@10 over implicit's (goal >= 0.95);
	// TimeRatio animetl's training time over implicit's (goal <= 2).
	NDCGRatio float64 `json:"ndcg_ratio"`
	TimeRatio float64 `json:"time_ratio"`
	Met       bool    `json:"goals_met"`
	// Evaluate is `animetl evaluate --json` of every model on the same
	// warehouse; EvaluateSeconds and EvaluatePeakRSSBytes its wall time
	// and peak RSS (/usr/bin/time).
	Evaluate             json.RawMessage `json:"evaluate,omitempty"`
	EvaluateSeconds      float64         `json:"evaluate_seconds,omitempty"`
	EvaluatePeakRSSBytes int64           `json:"evaluate_peak_rss_bytes,omitempty"`
}

func fit(ctx context.Context, train *recommend.Data, p recommend.Params, times string) error {
	m, err := recommend.New("als", p)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := m.Fit(ctx, train); err != nil {
		return err
	}
	sec := time.Since(start).Seconds()
	fmt.Fprintf(os.Stderr, "animetl ALS: %.1fs\n", sec)
	f, err := os.OpenFile(times, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "%f\n", sec)
	return f.Close()
}

// samples reads one number a line.
func samples(path string) ([]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []float64
	for _, l := range strings.Fields(string(b)) {
		v, err := strconv.ParseFloat(l, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no samples", path)
	}
	return out, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func compare(ctx context.Context, train, test *recommend.Data, work, out string, p recommend.Params, evalPath, evalTime, goTimes, implicitTimes string) error {
	var imp struct {
		TrainSeconds float64 `json:"train_seconds"`
		PeakRSSBytes int64   `json:"peak_rss_bytes"`
		Version      string  `json:"version"`
		Machine      string  `json:"machine"`
	}
	b, err := os.ReadFile(filepath.Join(work, "implicit.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &imp); err != nil {
		return fmt.Errorf("implicit.json: %w", err)
	}
	users, err := readF32(filepath.Join(work, "users.f32"))
	if err != nil {
		return err
	}
	items, err := readF32(filepath.Join(work, "items.f32"))
	if err != nil {
		return err
	}
	im, err := recommend.NewALSFromFactors(p.Factors, users, items)
	if err != nil {
		return err
	}
	ir, err := recommend.Metrics(ctx, im, train, test, recommend.DefaultK)
	if err != nil {
		return err
	}
	m, err := recommend.New("als", p)
	if err != nil {
		return err
	}
	gr, err := recommend.Evaluate(ctx, m, train, test, recommend.DefaultK)
	if err != nil {
		return err
	}
	rep := report{Date: time.Now().UTC().Format(time.RFC3339), Machine: imp.Machine, CPUs: runtime.NumCPU(),
		Users: len(train.Users), Items: len(train.Items), TrainEntries: train.NNZ(), Factors: p.Factors,
		Regularization: p.Regularization, Iterations: p.Iterations, Alpha: p.Alpha, CGSteps: recommend.DefaultCGSteps,
		Go:       side{NDCG: gr.NDCG, Precision: gr.Precision, TrainSeconds: gr.TrainSeconds, PeakHeapBytes: gr.FitPeakHeapBytes, Version: runtime.Version()},
		Implicit: side{NDCG: ir.NDCG, Precision: ir.Precision, TrainSeconds: imp.TrainSeconds, PeakRSSBytes: imp.PeakRSSBytes, Version: imp.Version}}
	if goTimes != "" && implicitTimes != "" {
		if rep.Go.TrainSamples, err = samples(goTimes); err != nil {
			return err
		}
		if rep.Implicit.TrainSamples, err = samples(implicitTimes); err != nil {
			return err
		}
		rep.Go.TrainSeconds, rep.Implicit.TrainSeconds = median(rep.Go.TrainSamples), median(rep.Implicit.TrainSamples)
	}
	if ir.NDCG > 0 {
		rep.NDCGRatio = gr.NDCG / ir.NDCG
	}
	if rep.Implicit.TrainSeconds > 0 {
		rep.TimeRatio = rep.Go.TrainSeconds / rep.Implicit.TrainSeconds
	}
	rep.Met = rep.NDCGRatio >= 0.95 && rep.TimeRatio <= 2
	if evalPath != "" {
		if rep.Evaluate, err = os.ReadFile(evalPath); err != nil {
			return err
		}
	}
	if evalTime != "" {
		b, err := os.ReadFile(evalTime)
		if err != nil {
			return err
		}
		var kib int64
		if _, err := fmt.Sscan(string(b), &rep.EvaluateSeconds, &kib); err != nil {
			return fmt.Errorf("%s: %w", evalTime, err)
		}
		rep.EvaluatePeakRSSBytes = kib * 1024
	}
	b, _ = json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Printf("%s\n", b)
	return nil
}
