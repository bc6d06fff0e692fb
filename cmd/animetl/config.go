package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/httpsrc"
	"github.com/animetl/animetl/internal/ranged"
	"github.com/animetl/animetl/local"
	"github.com/animetl/animetl/postgres"
	"github.com/animetl/animetl/s3"
)

// envAnnotation marks flags that ANIMETL_* variables and the config file can set.
const envAnnotation = "animetl_env"

// app holds the settings every command shares and maps configuration in
// one place: flags over environment over config file.
type app struct {
	stdout, stderr io.Writer

	configFile string
	logLevel   string
	logFormat  string
	log        *slog.Logger

	wh  whSettings
	src srcSettings

	// started is when the command started, for reports of early failures.
	started time.Time
	// reports give the --json object of each command that has one, and
	// finished says a command got as far as a result to report.
	reports  map[*cobra.Command]jsonReport
	finished bool
	summary  *animetl.RunSummary // of run
	checked  *checkReport        // of check
	lake     *lakeReport         // of run --lake
}

// srcSettings are the remote source settings of run and gen.
type srcSettings struct {
	maxAttempts    int
	partSize       string
	concurrency    int
	requestTimeout time.Duration
	s3Endpoint     string
	s3Region       string
	s3PathStyle    bool
	s3Anonymous    bool
}

// sourceFlags adds the settings of remote sources.
func (a *app) sourceFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.IntVar(&a.src.maxAttempts, "max-attempts", ranged.DefaultMaxAttempts, "S3/HTTP: requests per range or listing page before giving up, the first included")
	f.StringVar(&a.src.partSize, "part-size", "8MiB", "S3/HTTP: bytes per range request (KiB, MiB suffixes)")
	f.IntVar(&a.src.concurrency, "concurrency", ranged.DefaultConcurrency, "S3/HTTP: ranges fetched in parallel per file")
	f.DurationVar(&a.src.requestTimeout, "request-timeout", ranged.DefaultAttemptTimeout, "S3/HTTP: time bound of one request, its body included")
	bindEnv(f, "max-attempts", "part-size", "concurrency", "request-timeout")
	a.s3Flags(cmd)
}

// s3Flags adds the settings of the S3 client, which sources and lakes share.
func (a *app) s3Flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&a.src.s3Endpoint, "s3-endpoint", "", "S3-compatible endpoint URL (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or AWS)")
	f.StringVar(&a.src.s3Region, "s3-region", "", "bucket region (default: the AWS chain, else asked of S3)")
	f.BoolVar(&a.src.s3PathStyle, "s3-path-style", false, "path-style addressing (automatic for IP and localhost endpoints)")
	f.BoolVar(&a.src.s3Anonymous, "s3-anonymous", false, "unsigned requests for public buckets (automatic when no credentials exist)")
	bindEnv(f, "s3-endpoint", "s3-region", "s3-path-style", "s3-anonymous")
}

// parseSize reads 8388608, 8MiB, 512KiB, 1GiB (also MB/KB as binary units).
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}}
	mult := int64(1)
	t := strings.TrimSpace(s)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q: want a positive number of bytes such as 8MiB", s)
	}
	return n * mult, nil
}

// rangedOptions checks and maps the ranged-read flags.
func (a *app) rangedOptions() (ranged.Options, error) {
	ps, err := sizeFlag("part-size", a.src.partSize, maxPartSize)
	if err == nil {
		err = firstError(intIn("max-attempts", a.src.maxAttempts, 1, maxAttempts),
			intIn("concurrency", a.src.concurrency, 1, maxConcurrency),
			positiveDuration("request-timeout", a.src.requestTimeout))
	}
	if err != nil {
		return ranged.Options{}, err
	}
	return ranged.Options{PartSize: ps, Concurrency: a.src.concurrency,
		Policy: ranged.Policy{MaxAttempts: a.src.maxAttempts, AttemptTimeout: a.src.requestTimeout}}, nil
}

// s3Source opens an s3:// URL with the S3 settings.
func (a *app) s3Source(ctx context.Context, spec string) (*s3.Source, error) {
	ro, err := a.rangedOptions()
	if err != nil {
		return nil, err
	}
	src, err := s3.New(ctx, spec, s3.Options{
		Region: a.src.s3Region, Endpoint: a.src.s3Endpoint, PathStyle: a.src.s3PathStyle,
		Anonymous: a.src.s3Anonymous, Ranged: ro, Logger: a.log,
	})
	if errors.Is(err, animetl.ErrConfig) {
		return nil, usageError{err}
	}
	return src, err
}

// whSettings are the warehouse settings of run, check, query and demo.
type whSettings struct {
	warehouse   string
	lockTimeout time.Duration
	duckMemory  string
	duckThreads int
	pgWorkers   int
	pgPublish   time.Duration
	pgAttempt   time.Duration
	pgKeepAlive time.Duration
	pgUnlogged  bool
	ledgerKeep  int
}

func newApp(stdout, stderr io.Writer) *app {
	return &app{stdout: stdout, stderr: stderr, started: time.Now().UTC(), reports: map[*cobra.Command]jsonReport{}}
}

// envName is the variable that sets a flag: --max-reject-rate is ANIMETL_MAX_REJECT_RATE.
func envName(flag string) string {
	return "ANIMETL_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// bindEnv marks flags as settable from the environment and the config
// file, and names the variable in the flag's help.
func bindEnv(fs *pflag.FlagSet, names ...string) {
	for _, n := range names {
		if err := fs.SetAnnotation(n, envAnnotation, []string{envName(n)}); err != nil {
			panic(err) // a programming error: the flag does not exist
		}
		f := fs.Lookup(n)
		f.Usage += " [" + envName(n) + "]"
	}
}

func (a *app) persistentFlags(root *cobra.Command) {
	pf := root.PersistentFlags()
	pf.StringVar(&a.configFile, "config", "", "read settings from this file of ANIMETL_*=value lines [ANIMETL_CONFIG]")
	pf.StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	pf.StringVar(&a.logFormat, "log-format", "text", "log format on stderr: text or json")
	bindEnv(pf, "log-level", "log-format")
}

// warehouseFlags adds the warehouse settings; writer adds those of runs.
func (a *app) warehouseFlags(cmd *cobra.Command, writer bool) {
	a.wh.lockTimeout = duckdb.DefaultLockTimeout
	a.wh.pgWorkers = postgres.DefaultCopyWorkers
	a.wh.pgPublish = postgres.DefaultPublishTimeout
	a.wh.pgAttempt = postgres.DefaultPublishAttempt
	a.wh.pgKeepAlive = postgres.DefaultLockKeepAlive
	a.wh.ledgerKeep = duckdb.DefaultLedgerKeepDays
	f := cmd.Flags()
	f.StringVar(&a.wh.warehouse, "warehouse", "duckdb:animetl.duckdb", "warehouse: duckdb:PATH or a postgres:// URL")
	f.StringVar(&a.wh.duckMemory, "duckdb-memory-limit", duckdb.DefaultMemoryLimit, "DuckDB memory limit; larger work spills to disk")
	f.IntVar(&a.wh.duckThreads, "duckdb-threads", 0, "DuckDB threads (0: all cores); at most one per 16 MiB of --duckdb-memory-limit")
	bindEnv(f, "warehouse", "duckdb-memory-limit", "duckdb-threads")
	if !writer {
		return
	}
	f.DurationVar(&a.wh.lockTimeout, "lock-timeout", duckdb.DefaultLockTimeout, "how long a run waits for another run's lock")
	f.IntVar(&a.wh.pgWorkers, "pg-copy-workers", postgres.DefaultCopyWorkers, "PostgreSQL COPY connections loading the list in parallel")
	f.DurationVar(&a.wh.pgPublish, "pg-publish-timeout", postgres.DefaultPublishTimeout, "how long a PostgreSQL publish waits for readers' locks")
	f.DurationVar(&a.wh.pgAttempt, "pg-publish-attempt", postgres.DefaultPublishAttempt, "one attempt of a PostgreSQL publish waiting for readers' locks (keep it below the server's deadlock_timeout)")
	f.DurationVar(&a.wh.pgKeepAlive, "pg-lock-keepalive", postgres.DefaultLockKeepAlive, "how often a PostgreSQL run touches its lock's session, against idle timeouts")
	f.BoolVar(&a.wh.pgUnlogged, "pg-unlogged", false, "make user_anime UNLOGGED on PostgreSQL: faster loads, but empty after a server crash and not replicated")
	f.IntVar(&a.wh.ledgerKeep, "ledger-keep-days", duckdb.DefaultLedgerKeepDays, "keep the rejects and checks of runs for this many days (etl_run, etl_file and etl_table keep every run)")
	bindEnv(f, "lock-timeout", "pg-copy-workers", "pg-publish-timeout", "pg-publish-attempt", "pg-lock-keepalive", "pg-unlogged", "ledger-keep-days")
}

// setup applies the environment and config file to unset flags, then
// configures logging.
func (a *app) setup(cmd *cobra.Command) error {
	file := a.configFile
	if file == "" {
		file = os.Getenv("ANIMETL_CONFIG")
	}
	fileVals := map[string]string{}
	if file != "" {
		var err error
		if fileVals, err = readConfigFile(file); err != nil {
			return usageError{err}
		}
		if err := unknownSettings(cmd.Root(), file, fileVals); err != nil {
			return err
		}
	}
	var ferr error
	visit := func(f *pflag.Flag) {
		names, ok := f.Annotations[envAnnotation]
		if !ok || f.Changed || ferr != nil {
			return
		}
		v, ok := os.LookupEnv(names[0])
		if !ok {
			v, ok = fileVals[names[0]]
		}
		if !ok {
			return
		}
		if err := f.Value.Set(v); err != nil {
			ferr = usagef("%s=%q: %v", names[0], v, err)
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	if ferr != nil {
		return ferr
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return usagef("log-level %q: want debug, info, warn or error", a.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch a.logFormat {
	case "text":
		a.log = slog.New(slog.NewTextHandler(a.stderr, opts))
	case "json":
		a.log = slog.New(slog.NewJSONHandler(a.stderr, opts))
	default:
		return usagef("log-format %q: want text or json", a.logFormat)
	}
	return nil
}

// unknownSettings refuses a config file key that no flag of any command
// reads (a typo such as ANIMETL_WAREHOUS would otherwise leave the default
// in place without a word).
func unknownSettings(root *cobra.Command, file string, vals map[string]string) error {
	known := map[string]bool{"ANIMETL_CONFIG": true}
	var walk func(c *cobra.Command)
	mark := func(f *pflag.Flag) {
		if names, ok := f.Annotations[envAnnotation]; ok {
			known[names[0]] = true
		}
	}
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(mark)
		c.PersistentFlags().VisitAll(mark)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	var bad []string
	for k := range vals {
		if !known[k] {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return usagef("config %s: unknown setting %s (see animetl COMMAND --help for the ANIMETL_* names)", file, strings.Join(bad, ", "))
	}
	return nil
}

// readConfigFile reads KEY=VALUE lines; blank lines and # comments are skipped.
func readConfigFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(strings.TrimPrefix(k, "export "))
		if !ok || !strings.HasPrefix(k, "ANIMETL_") {
			return nil, fmt.Errorf("config %s:%d: want ANIMETL_NAME=value", path, n)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
		}
		out[k] = v
	}
	return out, sc.Err()
}

// openWarehouse opens the warehouse a spec names and returns it with a name
// safe to print, log and store: animetl.RedactLocation's. Its errors never
// carry the spec's secrets.
func (a *app) openWarehouse(ctx context.Context) (animetl.Warehouse, string, error) {
	spec := a.wh.warehouse
	name := animetl.RedactLocation(spec)
	switch {
	case strings.HasPrefix(spec, "duckdb:") && len(spec) > len("duckdb:"):
		w, err := duckdb.Open(duckdb.Options{
			Path: strings.TrimPrefix(spec, "duckdb:"), MemoryLimit: a.wh.duckMemory, Threads: a.wh.duckThreads,
			LockTimeout: a.wh.lockTimeout, LedgerKeepDays: a.wh.ledgerKeep, Logger: a.log,
		})
		if err != nil {
			return nil, name, err
		}
		return w, "duckdb:" + w.Path(), nil
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		w, err := postgres.Open(ctx, postgres.Options{
			URL: spec, CopyWorkers: a.wh.pgWorkers, LockTimeout: a.wh.lockTimeout,
			PublishTimeout: a.wh.pgPublish, PublishAttempt: a.wh.pgAttempt, LockKeepAlive: a.wh.pgKeepAlive,
			LedgerKeepDays: a.wh.ledgerKeep, UnloggedFact: a.wh.pgUnlogged, Logger: a.log,
		})
		if err != nil {
			return nil, name, animetl.RedactError(err, spec)
		}
		return w, name, nil
	}
	return nil, name, a.validateWarehouse(false)
}

// openSource opens the source a spec names: s3://bucket/prefix,
// https://host/prefix/ (or http://), or a local folder.
// Its errors never carry the spec's secrets.
func (a *app) openSource(ctx context.Context, spec string) (animetl.Source, error) {
	src, err := a.openSourceSpec(ctx, spec)
	return src, animetl.RedactError(err, spec)
}

func (a *app) openSourceSpec(ctx context.Context, spec string) (animetl.Source, error) {
	if err := validateSourceSpec(spec); err != nil {
		return nil, err
	}
	switch {
	case strings.HasPrefix(spec, "s3://"):
		return a.s3Source(ctx, spec)
	case strings.HasPrefix(spec, "https://"), strings.HasPrefix(spec, "http://"):
		ro, err := a.rangedOptions()
		if err != nil {
			return nil, err
		}
		src, err := httpsrc.New(spec, httpsrc.Options{Ranged: ro, Logger: a.log})
		if err != nil {
			return nil, usageError{err}
		}
		return src, nil
	}
	src, err := local.New(spec)
	if err != nil {
		return nil, usageError{fmt.Errorf("--source: %w", err)}
	}
	return src, nil
}
