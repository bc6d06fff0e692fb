// Command animetl turns the anime catalogue and user lists into a clean,
// checked analytics warehouse. See `animetl --help` and README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/animetl/animetl"
)

// Exit codes, part of the CLI contract.
const (
	exitOK     = 0
	exitFailed = 1 // the run or a check of error severity failed
	exitUsage  = 2 // bad usage or configuration
	// exitNotFound: the user or anime asked for is not in the published
	// warehouse (recommend, similar).
	exitNotFound = 3
)

// usageError marks errors of usage or configuration (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// exitError carries an exit code without printing anything more.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// ANIMETL_CPUPROFILE=FILE writes a pprof CPU profile of the command,
	// for performance work (go tool pprof FILE).
	var profile *os.File
	if p := os.Getenv("ANIMETL_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				profile = f
			} else {
				f.Close()
			}
		}
	}
	gcPercent()
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if profile != nil { // os.Exit runs no deferred calls
		pprof.StopCPUProfile()
		profile.Close()
	}
	os.Exit(code)
}

// execute runs the CLI with args and returns the exit code. A command
// given --json prints exactly one JSON object on stdout whatever the exit,
// flag errors included.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	root := app.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	code := exitCode(stderr, err)
	if rep := app.reports[cmd]; rep != nil && (err != nil || app.finished) && wantsJSON(cmd, args, !isFlagError(err)) {
		if jerr := writeJSON(stdout, rep(code, err)); jerr != nil {
			fmt.Fprintln(stderr, "animetl:", jerr)
			return exitFailed
		}
	}
	return code
}

// exitCode prints err on stderr and returns the exit code it means.
func exitCode(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "animetl:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "animetl:", err)
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, animetl.ErrConfig) || isFlagError(err) {
		return exitUsage
	}
	return exitFailed
}

func isFlagError(err error) bool {
	var fe flagError
	return errors.As(err, &fe)
}

type flagError struct{ err error }

func (e flagError) Error() string { return e.err.Error() }

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "animetl",
		Short: "Turn the anime catalogue and user lists into a clean, checked analytics warehouse",
		Long: `animetl extracts the anime catalogue and user list files (a folder, S3 or HTTPS),
cleans them while streaming, loads a star schema into DuckDB (embedded, the
default) or PostgreSQL, checks it and publishes it atomically.

Settings come from flags, then ANIMETL_* environment variables, then the
file named by --config (KEY=VALUE lines using the same ANIMETL_* names).

Exit codes: 0 success; 1 the run or a check of error severity failed;
2 bad usage or configuration; 3 the id asked for (recommend, similar) is not
in the published warehouse.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.setup(cmd)
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError{err} })
	a.persistentFlags(root)
	root.AddCommand(a.runCommand(), a.checkCommand(), a.queryCommand(), a.genCommand(), a.demoCommand(), a.serveCommand(),
		a.grantCommand(), a.scheduleCommand(), a.versionCommand(), a.runsCommand(), a.exportCommand(),
		a.recommendCommand(), a.similarCommand(), a.redshiftCommand(), a.evaluateCommand())
	// --version prints what `animetl version` does.
	showVersion := root.Flags().Bool("version", false, "print the version and exit, as animetl version")
	root.Args = cobra.NoArgs
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		if *showVersion {
			readVersion(cmd).write(a.stdout)
			return nil
		}
		return cmd.Help()
	}
	return root
}

// defaultGCPercent is the Go collector's GOGC unless the environment sets
// one. A list's load keeps about 57 MB of Go heap live (the batches in
// flight, the decoders' blocks, the key probe), and at Go's default of 100
// the heap grew to twice that between collections: 118 MB at the load's
// peak. At 50 it grows to half as much again: a full DuckDB run's peak RSS
// went from 282-287 to 250-258 MiB at 8M rows (265 MiB at 80M), the load
// as fast (1.18-1.26 s against 1.24-1.25 s; the collector's share of the
// CPU was 2-3%).
const defaultGCPercent = 50

// gcPercent sets defaultGCPercent when GOGC is not set.
func gcPercent() {
	if _, ok := os.LookupEnv("GOGC"); !ok {
		debug.SetGCPercent(defaultGCPercent)
	}
}
