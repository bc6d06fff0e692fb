package main

import (
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/postgres"
	"github.com/animetl/animetl/serve"
)

type serveFlags struct {
	addr             string
	tokenFile        string
	public           bool
	deadline         string
	tz               string
	pgMaxConns       int
	statementTimeout time.Duration
	sched            schedFlags // serve --schedule
}

func (a *app) serveCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the published warehouse over HTTP: a read-only JSON API",
		Long: `serve answers HTTP requests from the published warehouse, read-only:

  /api/v1/top-rated, /most-watched, /anime/{id}, /search, /genres,
  /anime/{id}/similar, /users/{id}/recommendations,
  /runs, /runs/{run_id}, /runs/{run_id}/rejects, /freshness
  /healthz, /readyz, /metrics (Prometheus)

Every answer is read from one published state and names it (run_id,
published_at). Answers are cached per published run, with an ETag; a
publish empties the cache at once. On PostgreSQL the server holds at most
--pg-max-conns connections, each transaction read-only with a statement
timeout.

It listens on the loopback address unless told otherwise. Any other address
needs --token-file (clients send Authorization: Bearer TOKEN; /healthz stays
open) or --public; without either, serve exits with status 2. SIGTERM or
Ctrl-C stops accepting, lets requests in flight finish, and exits 0.`,
		Example: `  animetl serve --warehouse duckdb:animetl.duckdb
  animetl serve --warehouse postgres://reader@db/dw --addr 0.0.0.0:8080 --token-file /etc/animetl/token
  curl -s localhost:8080/api/v1/top-rated?limit=5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.serve(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "HOST:PORT to listen on; a non-loopback host needs --token-file or --public")
	fl.StringVar(&f.tokenFile, "token-file", "", "file holding the bearer token clients must send (every path but /healthz)")
	fl.BoolVar(&f.public, "public", false, "allow a non-loopback --addr without a token")
	fl.StringVar(&f.deadline, "deadline", serve.DefaultDeadline, "daily publish deadline HH:MM, for /api/v1/freshness")
	fl.StringVar(&f.tz, "tz", "", "IANA time zone of --deadline, such as Asia/Tokyo (default: the local zone)")
	fl.IntVar(&f.pgMaxConns, "pg-max-conns", postgres.DefaultMaxConns, "PostgreSQL: most connections the server holds at once")
	fl.DurationVar(&f.statementTimeout, "statement-timeout", postgres.DefaultStatementTimeout, "PostgreSQL: time bound of one statement of a request")
	bindEnv(fl, "addr", "token-file", "public", "deadline", "tz", "pg-max-conns", "statement-timeout")
	a.warehouseFlags(cmd, true)
	a.serveScheduleFlags(cmd, &f.sched)
	return cmd
}

// minTokenBytes is the shortest bearer token serve accepts.
const minTokenBytes = 16

func (a *app) serve(cmd *cobra.Command, f serveFlags) error {
	var token string
	if f.tokenFile != "" {
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return usagef("token-file: %v", err)
		}
		if token = strings.TrimSpace(string(b)); token == "" {
			return usagef("token-file %s: empty", f.tokenFile)
		}
		// A client sends the token in one header: whitespace inside it
		// could never match, and a short one is guessed.
		if strings.ContainsAny(token, " \t\r\n") {
			return usagef("token-file %s: the token holds whitespace; want one line with no spaces", f.tokenFile)
		}
		if len(token) < minTokenBytes {
			return usagef("token-file %s: the token is %d bytes; want %d or more (e.g. openssl rand -hex 32)", f.tokenFile, len(token), minTokenBytes)
		}
	}
	if err := serve.CheckExposure(f.addr, token != "", f.public); err != nil {
		return usageError{err}
	}
	loc := time.Local
	if f.tz != "" {
		var err error
		if loc, err = time.LoadLocation(f.tz); err != nil {
			return usagef("tz %q: want an IANA zone such as Asia/Tokyo: %v", f.tz, err)
		}
	}
	if err := firstError(
		intIn("pg-max-conns", f.pgMaxConns, 1, maxPGCopyWorkers),
		positiveDuration("statement-timeout", f.statementTimeout),
		a.validateWarehouse(false),
	); err != nil {
		return err
	}
	pub, name, err := a.openPublication(f)
	if err != nil {
		return err
	}
	defer pub.Close()
	srv, err := serve.New(serve.Options{Publication: pub, Token: token, Deadline: f.deadline, Location: loc,
		ReadTimeout: 2 * f.statementTimeout, Logger: a.log})
	if err != nil {
		return usageError{err}
	}
	stopSchedule, err := a.startServeSchedule(cmd.Context(), f.sched, f.deadline, loc, srv.Registerer())
	if err != nil {
		return err
	}
	defer stopSchedule()
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return exitError{code: exitFailed, err: fmt.Errorf("serve: %w", err)}
	}
	a.log.Info("serving", "warehouse", name, "addr", "http://"+ln.Addr().String(), "auth", token != "")
	if err := srv.Serve(cmd.Context(), ln); err != nil {
		return exitError{code: exitFailed, err: err}
	}
	a.log.Info("stopped")
	return nil
}

// openPublication opens the read side of the warehouse --warehouse names.
func (a *app) openPublication(f serveFlags) (animetl.Publication, string, error) {
	spec := a.wh.warehouse
	switch {
	case strings.HasPrefix(spec, "duckdb:"):
		path := strings.TrimPrefix(spec, "duckdb:")
		if path == "" {
			return nil, "", usagef("warehouse %q: want duckdb:PATH", spec)
		}
		r, err := duckdb.OpenReader(duckdb.Options{Path: path, MemoryLimit: a.wh.duckMemory, Threads: a.wh.duckThreads, Logger: a.log})
		if err != nil {
			return nil, "", err
		}
		return r, spec, nil
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		r, err := postgres.OpenReader(postgres.ReaderOptions{URL: spec, MaxConns: f.pgMaxConns,
			StatementTimeout: f.statementTimeout, Logger: a.log})
		if err != nil {
			return nil, animetl.RedactLocation(spec), animetl.RedactError(err, spec)
		}
		return r, animetl.RedactLocation(spec), nil
	}
	return nil, "", a.validateWarehouse(false)
}
