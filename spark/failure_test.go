package spark

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
)

// waitFor polls until cond holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestExecInterrupted cancels the context of a long Spark job once it
// writes: Exec returns the context's error only after the server has
// interrupted the job (the client alone leaves it running).
func TestExecInterrupted(t *testing.T) {
	r := remote(t)
	s, err := Connect(context.Background(), r, DefaultDialTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	loc := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.Exec(ctx, "CREATE TABLE animetl_test_interrupted USING parquet LOCATION "+sqlString(fileURI(loc))+
			" AS SELECT id, sha2(CAST(id AS STRING), 256) AS h FROM range(0, 20000000, 1, 16)")
	}()
	// Cancel once a task writes: an interrupt that lands while the job
	// is being set up can be swallowed by Hadoop's file system code
	// (measured: the job then ran on), see interrupt.go. The job is small
	// (seconds) so that such a miss costs the shared server little.
	waitFor(t, "a task to write", func() bool {
		m, _ := filepath.Glob(filepath.Join(loc, "_temporary", "*", "_temporary", "attempt_*"))
		return len(m) > 0
	})
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := s.(*connectSession).tap.interrupted; n != 1 {
		t.Errorf("the server interrupted %d operations, want 1", n)
	}
}

// TestSparkErrorsOneLine: what Spark reports of a missing source file and
// of a location it cannot write reaches the user as one line, with
// Spark's error class where it gives one, without the plan.
func TestSparkErrorsOneLine(t *testing.T) {
	r := remote(t)
	missing := filepath.Join(t.TempDir(), "animelist.csv")
	e := &Engine{Remote: r, Stage: t.TempDir(), Locate: func(animetl.FileInfo) (string, bool) { return fileURI(missing), true }}
	_, err := e.Transform(context.Background(), "20260101T000000Z-miss01", []animetl.ListFile{{
		Load:   &animetl.FileLoad{ID: 1, Kind: animetl.KindAnimeList, Info: animetl.FileInfo{Name: "animelist.csv"}},
		Fields: 5, Pos: map[string]int{"user_id": 0, "anime_id": 1, "rating": 2, "watching_status": 3, "watched_episodes": 4}}})
	var se *Error
	if !errors.As(err, &se) || se.Class != "PATH_NOT_FOUND" {
		t.Errorf("missing file: err = %v, want [PATH_NOT_FOUND]", err)
	}
	oneLine(t, err, "spark: read animelist.csv: spark: [PATH_NOT_FOUND] Path does not exist: "+fileURIShort(missing))

	s, err := Connect(context.Background(), r, DefaultDialTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The run's user may write anywhere on this machine (root, in CI):
	// /proc stands for a location Spark may not write.
	err = s.Exec(context.Background(), "CREATE TABLE animetl_test_nowrite USING parquet LOCATION 'file:///proc/animetl' AS SELECT 1 AS a")
	oneLine(t, err, "spark: job aborted, a task failed 1 times: java.io.IOException: Mkdirs failed to create file:/proc/animetl/")
	err = s.Exec(context.Background(), "SELECT raise_error('bad') FROM range(3)")
	if !errors.As(err, &se) || se.Class != "USER_RAISED_EXCEPTION" {
		t.Errorf("task error: err = %v, want [USER_RAISED_EXCEPTION]", err)
	}
	oneLine(t, err, "spark: [USER_RAISED_EXCEPTION] bad")
}

// fileURIShort is how Spark prints a file URI: file:/PATH.
func fileURIShort(p string) string { return "file:" + filepath.ToSlash(p) }

func oneLine(t *testing.T, err error, prefix string) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("no error, want %q...", prefix)
	case strings.ContainsAny(err.Error(), "\r\n") || strings.Contains(err.Error(), "== "):
		t.Errorf("not one line: %q", err)
	case !strings.HasPrefix(err.Error(), prefix):
		t.Errorf("err = %q\nwant %q...", err, prefix)
	}
}
