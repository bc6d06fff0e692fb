package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/postgres"
	"github.com/animetl/animetl/schema"
)

// testRole returns a fresh role name, dropped when the test ends; call it
// before pgWarehouse, so that it is dropped after the database that holds
// its privileges.
func testRole(t *testing.T, prefix string) string {
	t.Helper()
	base := os.Getenv("ANIMETL_TEST_POSTGRES")
	if base == "" {
		t.Skip("set ANIMETL_TEST_POSTGRES to run the PostgreSQL cases (make test does)")
	}
	b := make([]byte, 4)
	rand.Read(b)
	name := prefix + "_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx := context.Background()
		if c, err := pgx.Connect(ctx, base); err == nil {
			c.Exec(ctx, "DROP ROLE IF EXISTS "+name)
			c.Close(ctx)
		}
	})
	return name
}

// asUser returns dbURL with its user and password replaced.
func asUser(t *testing.T, dbURL, user, password string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}

// mustCLI runs the CLI and fails the test unless it exits 0.
func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	code, out, stderr := cli(t, args...)
	if code != exitOK {
		t.Fatalf("%s: exit %d\n%s", args[0], code, stderr)
	}
	return out
}

// wantDenied fails unless err is PostgreSQL's insufficient_privilege.
func wantDenied(t *testing.T, what string, err error) {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Errorf("%s as the reader: err = %v, want permission denied (42501)", what, err)
	}
}

// readerReadsAll checks that the reader's connection reads every published
// table and view and the ledger, and that query and serve work as it.
func readerReadsAll(t *testing.T, when, adminURL, readerURL string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, readerURL)
	if err != nil {
		t.Fatalf("%s: connect as the reader: %v", when, err)
	}
	defer c.Close(ctx)
	rels := append(append(append([]string{}, schema.ModelTables...), schema.ModelViews...), schema.OpsTables...)
	for _, rel := range append(rels, schema.FactTables...) {
		if _, err := c.Exec(ctx, "SELECT * FROM "+rel+" LIMIT 1"); err != nil {
			t.Errorf("%s: the reader cannot read %s: %v", when, rel, err)
		}
	}
	want := mustCLI(t, "query", "top-rated", "--warehouse", adminURL, "--format", "csv")
	if code, got, stderr := cli(t, "query", "top-rated", "--warehouse", readerURL, "--format", "csv"); code != exitOK || got != want {
		t.Errorf("%s: query top-rated as the reader: exit %d %s\n%s\nwant\n%s", when, code, stderr, got, want)
	}
	if code, got, stderr := cli(t, "query", "--sql", "SELECT count(*) AS n FROM anime_list", "--warehouse", readerURL, "--format", "csv"); code != exitOK || !regexp.MustCompile(`^n\n[1-9][0-9]*\n$`).MatchString(got) {
		t.Errorf("%s: query --sql as the reader: exit %d %q %s", when, code, got, stderr)
	}
	pub, err := postgres.OpenReader(postgres.ReaderOptions{URL: readerURL})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	snap, err := pub.Snapshot(ctx)
	if err != nil {
		t.Fatalf("%s: a snapshot as the reader: %v", when, err)
	}
	defer snap.Close()
	if n := contract.QueryInt(t, snap, "SELECT count(*) FROM anime"); n == 0 {
		t.Errorf("%s: the reader's snapshot sees no anime", when)
	}
	if snap.Run().RunID == "" {
		t.Errorf("%s: the reader's snapshot names no run", when)
	}
}

// TestGrantReader: grant-reader refuses an empty warehouse, then makes a
// role that reads everything published (through query, a SQL connection and
// serve's reader) and can write nothing, and keeps reading after a full and
// an incremental publish; a grant made by hand survives them too.
func TestGrantReader(t *testing.T) {
	reader := testRole(t, "animetl_analyst")
	other := testRole(t, "animetl_hand")
	adminURL := pgWarehouse(t)
	dir, _ := contract.Gen(t, contract.Generated)
	t.Setenv("ANIMETL_TEST_READER_PASSWORD", "s3cret-pencil")

	code, _, stderr := cli(t, "grant-reader", "--warehouse", adminURL, "--role", reader)
	if code != exitFailed || !strings.Contains(stderr, "nothing is published") {
		t.Fatalf("grant-reader before any run: exit %d %q, want 1 saying nothing is published", code, stderr)
	}
	mustCLI(t, "run", "--source", dir, "--warehouse", adminURL, "--progress", "never")
	out := mustCLI(t, "grant-reader", "--warehouse", adminURL, "--role", reader, "--password-env", "ANIMETL_TEST_READER_PASSWORD")
	if !strings.Contains(out, "role "+reader+" created (LOGIN") || strings.Contains(out, "s3cret") {
		t.Errorf("grant-reader said %q", out)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var stored string
	if err := admin.QueryRow(ctx, "SELECT rolpassword FROM pg_authid WHERE rolname = $1", reader).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored, "SCRAM-SHA-256$4096:") {
		t.Errorf("stored password %q is not a SCRAM verifier", stored)
	}
	for _, q := range []string{"CREATE ROLE " + other + " NOLOGIN", "GRANT SELECT ON anime TO " + other} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	readerURL := asUser(t, adminURL, reader, "s3cret-pencil")
	readerReadsAll(t, "after grant-reader", adminURL, readerURL)

	// Writes fail on privileges, not only on the read-only default.
	if _, err := admin.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS animetl_stage_public; CREATE TABLE IF NOT EXISTS animetl_stage_public.probe (x int)"); err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, readerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var ro string
	if err := c.QueryRow(ctx, "SHOW default_transaction_read_only").Scan(&ro); err != nil || ro != "on" {
		t.Errorf("the reader's default_transaction_read_only = %q (%v), want on", ro, err)
	}
	if _, err := c.Exec(ctx, "SET default_transaction_read_only = off"); err != nil {
		t.Fatal(err)
	}
	for what, q := range map[string]string{
		"INSERT into anime":           "INSERT INTO anime (anime_id, name) VALUES (-1, 'x')",
		"UPDATE user_anime_base":      "UPDATE user_anime_base SET rating = 10",
		"INSERT into user_anime_gone": "INSERT INTO user_anime_gone VALUES (-1, -1)",
		"DELETE from etl_run":         "DELETE FROM etl_run",
		"CREATE TABLE in public":      "CREATE TABLE public.probe (x int)",
		"CREATE TABLE in the stage":   "CREATE TABLE animetl_stage_public.probe2 (x int)",
		"SELECT from the stage":       "SELECT * FROM animetl_stage_public.probe",
		"DROP TABLE anime":            "DROP TABLE anime",
		"CREATE SCHEMA":               "CREATE SCHEMA probe",
		"TRUNCATE the ledger":         "TRUNCATE etl_reject",
		"ALTER a published view":      "ALTER VIEW anime_list RENAME TO x",
		"DROP the stage schema":       "DROP SCHEMA animetl_stage_public CASCADE",
		"CREATE a view in the target": "CREATE VIEW public.v AS SELECT 1",
	} {
		_, err := c.Exec(ctx, q)
		wantDenied(t, what, err)
	}
	var canInsert bool
	c.Exec(ctx, "GRANT INSERT ON anime TO CURRENT_USER") // "no privileges were granted": a warning, not an error
	if err := c.QueryRow(ctx, "SELECT has_table_privilege('anime', 'INSERT')").Scan(&canInsert); err != nil || canInsert {
		t.Errorf("the reader granted itself INSERT on anime (%v)", err)
	}
	if _, err := admin.Exec(ctx, "DROP SCHEMA animetl_stage_public CASCADE"); err != nil {
		t.Fatal(err)
	}

	for _, mode := range []animetl.Mode{animetl.ModeFull, animetl.ModeIncremental} {
		mustCLI(t, "run", "--source", dir, "--warehouse", adminURL, "--mode", string(mode), "--progress", "never")
		readerReadsAll(t, "after a "+string(mode)+" run", adminURL, readerURL)
		var hand bool
		if err := admin.QueryRow(ctx, "SELECT has_table_privilege($1, 'anime', 'SELECT')", other).Scan(&hand); err != nil || !hand {
			t.Errorf("after a %s run, the hand grant of SELECT on anime to %s is lost (%v)", mode, other, err)
		}
	}

	// serve, connected as the reader, answers.
	base := startServe(t, readerURL)
	for _, path := range []string{"/api/v1/top-rated", "/api/v1/runs", "/api/v1/anime/1", "/readyz"} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK && !(path == "/api/v1/anime/1" && res.StatusCode == http.StatusNotFound) {
			t.Errorf("serve as the reader: %s: %d", path, res.StatusCode)
		}
	}

	// Run again: the role is updated, not duplicated, and keeps logging in
	// (serve connects as it); --nologin takes LOGIN away and says so.
	out = mustCLI(t, "grant-reader", "--warehouse", adminURL, "--role", reader)
	if !strings.Contains(out, "role "+reader+" updated (LOGIN") || strings.Contains(out, "removed") {
		t.Errorf("grant-reader again said %q; want the role updated, still LOGIN, nothing removed", out)
	}
	out = mustCLI(t, "grant-reader", "--warehouse", adminURL, "--role", reader, "--nologin")
	if !strings.Contains(out, "role "+reader+" updated (NOLOGIN") || !strings.Contains(out, "removed from role "+reader+": LOGIN") {
		t.Errorf("grant-reader --nologin said %q", out)
	}
}

// startServe runs serve on warehouse on a free loopback port until the test
// ends and returns its base URL.
func startServe(t *testing.T, warehouse string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, []string{"serve", "--warehouse", warehouse, "--addr", "127.0.0.1:0"}, &syncBuffer{}, &errOut)
	}()
	t.Cleanup(func() { cancel(); <-done })
	addr := regexp.MustCompile(`addr=(http://[0-9.:]+)`)
	for {
		select {
		case code := <-done:
			done <- code
			t.Fatalf("serve exited %d: %s", code, errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
		if m := addr.FindStringSubmatch(errOut.String()); m != nil {
			return m[1]
		}
	}
}

// TestGrantReaderRefuses: DuckDB has no roles (exit 2), and grant-reader
// will not touch the user it connects as, a superuser, or a bad name.
func TestGrantReaderRefuses(t *testing.T) {
	if code, _, stderr := cli(t, "grant-reader", "--warehouse", duckWarehouse(t), "--role", "analyst"); code != exitUsage || !strings.Contains(stderr, "PostgreSQL feature") {
		t.Errorf("DuckDB: exit %d %q, want 2 saying roles are a PostgreSQL feature", code, stderr)
	}
	if os.Getenv("ANIMETL_TEST_POSTGRES") == "" {
		t.Skip("PostgreSQL cases skipped: set ANIMETL_TEST_POSTGRES (make test does)")
	}
	super := testRole(t, "animetl_super")
	adminURL := pgWarehouse(t)
	dir, _ := contract.Gen(t, contract.Generated)
	mustCLI(t, "run", "--source", dir, "--warehouse", adminURL, "--progress", "never")
	admin, err := pgx.Connect(context.Background(), adminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(context.Background(), "CREATE ROLE "+super+" SUPERUSER NOLOGIN"); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(adminURL)
	for _, c := range []struct{ role, want string }{
		{u.User.Username(), "the user animetl connects as"},
		{super, "is a superuser"},
		{"a;drop", "want a role name"},
		{"", "want a role name"},
	} {
		if code, _, stderr := cli(t, "grant-reader", "--warehouse", adminURL, "--role", c.role); code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("--role %q: exit %d %q, want 2 and %q", c.role, code, stderr, c.want)
		}
	}
	if code, _, stderr := cli(t, "grant-reader", "--warehouse", adminURL, "--role", "x", "--password-env", "ANIMETL_TEST_UNSET_VARIABLE"); code != exitUsage || !strings.Contains(stderr, "not set") {
		t.Errorf("unset --password-env: exit %d %q", code, stderr)
	}
}
