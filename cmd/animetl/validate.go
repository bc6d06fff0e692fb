package main

import (
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/animetl/animetl"
)

// Upper bounds of flags whose huge values would exhaust memory, connections
// or goroutines instead of doing more work.
const (
	maxBatchSize      = 1 << 20
	maxWorkers        = 1024 // parse-workers, duckdb-threads
	maxConcurrency    = 256
	maxPGCopyWorkers  = 256
	maxAttempts       = 100
	maxPartSize       = 1 << 30
	maxPriorRatings   = 1_000_000_000
	maxDeltaAgeDays   = 100_000
	minDuckMemory     = 16 << 20 // DuckDB cannot run its own statements in less
	maxDemoRows       = 100_000_000
	memoryLimitFormat = "a size such as 512MB or 2GiB (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
)

// firstError returns the first non-nil error.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// intIn checks lo <= v <= hi for the flag name.
func intIn[T int | int64](name string, v, lo, hi T) error {
	if v < lo || v > hi {
		return usagef("--%s %d: want %d to %d", name, v, lo, hi)
	}
	return nil
}

// atLeast checks v >= lo for the flag name.
func atLeast[T int | int64](name string, v, lo T) error {
	if v < lo {
		return usagef("--%s %d: want %d or more", name, v, lo)
	}
	return nil
}

// nonNegativeDuration checks that d is 0 or more.
func nonNegativeDuration(name string, d time.Duration) error {
	if d < 0 {
		return usagef("--%s %s: want 0 or more", name, d)
	}
	return nil
}

// share checks that v is a share between 0 and 1 (1 excluded when open).
func share(name string, v float64, open bool) error {
	if math.IsNaN(v) || v < 0 || v > 1 || open && v == 1 {
		want := "a share from 0 to 1"
		if open {
			want = "a share from 0 up to, not including, 1"
		}
		return usagef("--%s %v: want %s", name, v, want)
	}
	return nil
}

// positive checks that v is a finite number above zero.
func positive(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return usagef("--%s %v: want a number above 0", name, v)
	}
	return nil
}

// positiveDuration checks d > 0.
func positiveDuration(name string, d time.Duration) error {
	if d <= 0 {
		return usagef("--%s %s: want a duration above 0 such as 30s", name, d)
	}
	return nil
}

// oneOf checks that v is one of the allowed values.
func oneOf(name, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return usagef("--%s %q: want %s", name, v, strings.Join(allowed, ", "))
}

var memoryLimitRE = regexp.MustCompile(`(?i)^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$`)

// memoryUnits are DuckDB's: KB..TB are powers of 1000, KiB..TiB of 1024.
var memoryUnits = map[string]float64{
	"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// validMemoryLimit checks a DuckDB memory limit in the form DuckDB parses
// and large enough for DuckDB to run at all.
func validMemoryLimit(s string) error {
	m := memoryLimitRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return usagef("--duckdb-memory-limit %q: want %s", s, memoryLimitFormat)
	}
	n, _ := strconv.ParseFloat(m[1], 64)
	if n*memoryUnits[strings.ToLower(m[2])] < minDuckMemory {
		return usagef("--duckdb-memory-limit %q: want at least 16MiB", s)
	}
	return nil
}

// maxLedgerKeepDays bounds --ledger-keep-days (a century).
const maxLedgerKeepDays = 36500

// validateWarehouse checks the warehouse flags of every command; writer
// adds those of the commands that run.
func (a *app) validateWarehouse(writer bool) error {
	spec := a.wh.warehouse
	var err error
	switch {
	case strings.HasPrefix(spec, "duckdb:"):
		if strings.TrimPrefix(spec, "duckdb:") == "" {
			err = usagef("--warehouse %q: want duckdb:PATH", spec)
		}
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
	default:
		err = usagef("--warehouse %q: want duckdb:PATH or a postgres://user@host/db URL", animetl.RedactLocation(spec))
	}
	errs := []error{err, validMemoryLimit(a.wh.duckMemory), intIn("duckdb-threads", a.wh.duckThreads, 0, maxWorkers)}
	if writer {
		errs = append(errs,
			positiveDuration("lock-timeout", a.wh.lockTimeout),
			intIn("pg-copy-workers", a.wh.pgWorkers, 1, maxPGCopyWorkers),
			positiveDuration("pg-publish-timeout", a.wh.pgPublish),
			positiveDuration("pg-publish-attempt", a.wh.pgAttempt),
			positiveDuration("pg-lock-keepalive", a.wh.pgKeepAlive),
			intIn("ledger-keep-days", a.wh.ledgerKeep, 1, maxLedgerKeepDays))
	}
	return firstError(errs...)
}

// validateSource checks the remote source flags of run and gen.
func (a *app) validateSource() error {
	_, err := a.rangedOptions()
	if err != nil {
		return err
	}
	return a.validateS3()
}

// validateS3 checks the S3 client's flags.
func (a *app) validateS3() error {
	if e := a.src.s3Endpoint; e != "" {
		u, err := url.Parse(e)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usagef("--s3-endpoint %q: want an http:// or https:// URL", animetl.RedactLocation(e))
		}
	}
	return nil
}

// validateSourceSpec checks the form of --source: a folder, s3:// or
// http(s)://; a URL of another scheme is no folder either.
func validateSourceSpec(spec string) error {
	if spec == "" {
		return usagef("--source: none given; give --source or set ANIMETL_SOURCE")
	}
	scheme, _, ok := strings.Cut(spec, "://")
	if !ok {
		return nil
	}
	switch strings.ToLower(scheme) {
	case "s3", "http", "https":
		return nil
	}
	return usagef("--source %q: want a folder, s3://bucket/prefix or https://host/prefix/", animetl.RedactLocation(spec))
}

// sizeFlag parses a --part-size style flag.
func sizeFlag(name, v string, hi int64) (int64, error) {
	n, err := parseSize(v)
	if err != nil {
		return 0, usagef("--%s: %v", name, err)
	}
	if n > hi {
		return 0, usagef("--%s %q: want at most %d bytes", name, v, hi)
	}
	return n, nil
}
