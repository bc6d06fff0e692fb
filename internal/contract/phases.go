package contract

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/animetl/animetl"
)

// CheckPhases fails the test unless the summary's phases are the steps of
// a run in order (begin, plan, load:<file> per file, finalize, checks,
// then last, when the run got that far, the rest of want), each with
// seconds of at least 0, adding up to no more than the run took.
func CheckPhases(t testing.TB, sum *animetl.RunSummary, tail ...string) {
	t.Helper()
	want := []string{"begin", "plan"}
	for _, f := range sum.Files {
		want = append(want, "load:"+f.Name)
	}
	want = append(want, tail...)
	var got []string
	var total float64
	for _, p := range sum.Phases {
		got = append(got, p.Name)
		if p.Seconds < 0 {
			t.Errorf("phase %s: %v seconds", p.Name, p.Seconds)
		}
		total += p.Seconds
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("phases %v, want %v", got, want)
	}
	if took := sum.FinishedAt.Sub(sum.StartedAt).Seconds(); total > took {
		t.Errorf("phases add up to %v s, the run took %v s", total, took)
	}
}

// ledgerPhases reads etl_run.phases of a run and parses it.
func ledgerPhases(t testing.TB, q animetl.Querier, runID string) []animetl.Phase {
	t.Helper()
	got := QueryAll(t, q, "SELECT phases FROM etl_run WHERE run_id = $1", runID)
	if len(got) != 1 {
		t.Fatalf("etl_run rows of run %s: %v", runID, got)
	}
	var ps []animetl.Phase
	if err := json.Unmarshal([]byte(got[0][0]), &ps); err != nil {
		t.Fatalf("etl_run.phases of run %s = %q: %v", runID, got[0][0], err)
	}
	return ps
}

// testPhases: a run's summary says where its time went, and etl_run keeps
// it (up to the publish, which records the run from inside), for a run
// that succeeded and one that failed its checks.
func testPhases(t *testing.T, newStore NewStore) {
	dir, _ := Gen(t, Generated)
	wh := newStore(t)(t, time.Second)
	sum := MustRun(t, wh, dir, 0)
	CheckPhases(t, sum, "finalize", "checks", "publish")
	if got, want := ledgerPhases(t, wh, sum.RunID), sum.Phases[:len(sum.Phases)-1]; !reflect.DeepEqual(got, want) {
		t.Errorf("etl_run.phases %v, want the summary's before the publish %v", got, want)
	}

	bad := CopyDir(t, dir)
	garble(t, filepath.Join(bad, animetl.FileAnimeList))
	sum, err := RunDir(t, wh, bad, 0)
	if !errors.Is(err, animetl.ErrChecks) {
		t.Fatalf("run on a half-garbage list: err = %v, want ErrChecks", err)
	}
	CheckPhases(t, sum, "finalize", "checks")
	if got := ledgerPhases(t, wh, sum.RunID); !reflect.DeepEqual(got, sum.Phases) {
		t.Errorf("etl_run.phases of the failed run %v, want the summary's %v", got, sum.Phases)
	}
}
