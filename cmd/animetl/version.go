package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/animetl/animetl/duckdb"
)

// version is animetl's version, set at build time with
// -ldflags "-X main.version=v1.2.3"; else the module version of the build
// (a go install of a tag), else "dev".
var version = ""

// versionInfo says what runs: animetl's version and commit, and the
// versions of Go and of the database libraries built in.
type versionInfo struct {
	Version      string `json:"version"`
	Commit       string `json:"commit"`
	CommitTime   string `json:"commit_time,omitempty"`
	Modified     bool   `json:"modified,omitempty"`
	Go           string `json:"go"`
	Platform     string `json:"platform"`
	DuckDB       string `json:"duckdb"`
	DuckDBDriver string `json:"duckdb_go"`
	PGX          string `json:"pgx"`
}

const unknown = "unknown"

// readVersion gathers versionInfo from the build information; a commit is
// known only when the binary was built with VCS stamping (not under
// GOFLAGS=-buildvcs=false).
func readVersion(cmd *cobra.Command) versionInfo {
	v := versionInfo{Version: version, Commit: unknown, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
		DuckDB: unknown, DuckDBDriver: unknown, PGX: unknown}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.time":
				v.CommitTime = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
		for _, d := range bi.Deps {
			m := d
			if d.Replace != nil {
				m = d.Replace
			}
			switch d.Path {
			case "github.com/duckdb/duckdb-go/v2":
				v.DuckDBDriver = m.Version
			case "github.com/jackc/pgx/v5":
				v.PGX = m.Version
			}
		}
	}
	if v.Version == "" {
		v.Version = "dev"
	}
	if lib, err := duckdb.LibraryVersion(cmd.Context()); err == nil {
		v.DuckDB = lib
	}
	return v
}

func (v versionInfo) write(w io.Writer) {
	commit := v.Commit
	if v.Modified {
		commit += " (modified)"
	}
	fmt.Fprintf(w, "animetl %s\n  commit     %s\n", v.Version, commit)
	if v.CommitTime != "" {
		fmt.Fprintf(w, "  built from %s\n", v.CommitTime)
	}
	fmt.Fprintf(w, "  go         %s %s\n  duckdb     %s (duckdb-go %s)\n  pgx        %s\n", v.Go, v.Platform, v.DuckDB, v.DuckDBDriver, v.PGX)
}

func (a *app) versionCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print animetl's version and commit, and the Go, DuckDB and pgx versions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := readVersion(cmd)
			if asJSON {
				return writeJSON(a.stdout, v)
			}
			v.write(a.stdout)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}
