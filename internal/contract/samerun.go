package contract

import (
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

// SameRun fails t unless two runs published the same thing: every
// published table (Fingerprints), every file's counts (read, loaded,
// rejected, duplicates) and every reject (file, line, kind, column, reason,
// raw text). It returns want's rejects in that order, those columns, for a
// test to say what they hold.
func SameRun(t testing.TB, wantQ animetl.Querier, want *animetl.RunSummary, gotQ animetl.Querier, got *animetl.RunSummary) [][]string {
	t.Helper()
	gotTables := Fingerprints(t, gotQ)
	for name, w := range Fingerprints(t, wantQ) {
		if g := gotTables[name]; g != w {
			t.Errorf("table %s: %+v, want %+v", name, g, w)
		}
	}
	if len(got.Files) != len(want.Files) {
		t.Errorf("%d files, want %d", len(got.Files), len(want.Files))
	}
	for i := range min(len(got.Files), len(want.Files)) {
		g, w := got.Files[i], want.Files[i]
		if g.Name != w.Name || g.RowsRead != w.RowsRead || g.RowsLoaded != w.RowsLoaded ||
			g.RowsRejected != w.RowsRejected || g.RowsDuplicate != w.RowsDuplicate {
			t.Errorf("file %d: %+v, want %+v", i, g, w)
		}
	}
	const q = `SELECT file, line, kind, coalesce(field, ''), reason, raw FROM etl_reject WHERE run_id = $1 ORDER BY file, line, kind, reason`
	wantRejects, gotRejects := QueryAll(t, wantQ, q, want.RunID), QueryAll(t, gotQ, q, got.RunID)
	if len(gotRejects) != len(wantRejects) {
		t.Fatalf("%d rejects, want %d", len(gotRejects), len(wantRejects))
	}
	for i := range wantRejects {
		if strings.Join(gotRejects[i], "|") != strings.Join(wantRejects[i], "|") {
			t.Errorf("reject %d: %q, want %q", i, gotRejects[i], wantRejects[i])
		}
	}
	return wantRejects
}
