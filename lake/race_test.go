package lake_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/lake"
	"github.com/animetl/animetl/schema"
	"github.com/animetl/animetl/synth"
)

// other is a second data set, different in every table and larger (a
// smaller one fails the run's table_shrink check).
var other = synth.Config{Rows: 30_000, Anime: 1_000, Seed: 12, Layout: synth.LayoutIndexed}

// racingPub publishes another run (publish) just before the export reads
// its second table: the export must still write the state it started on.
type racingPub struct {
	animetl.Publication
	publish func()
}

func (p racingPub) Snapshot(ctx context.Context) (animetl.Snapshot, error) {
	s, err := p.Publication.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return &racingSnap{Snapshot: s, publish: p.publish}, nil
}

type racingSnap struct {
	animetl.Snapshot
	publish func()
	once    sync.Once
}

func (s *racingSnap) Query(ctx context.Context, q string, args ...any) (animetl.Rows, error) {
	if strings.Contains(q, `FROM "`+schema.ModelTables[1]+`"`) {
		s.once.Do(s.publish)
	}
	return s.Snapshot.Query(ctx, q, args...)
}

// TestExportReadsOneState exports while another run publishes: the files
// are the state the export began on, table for table. On DuckDB the publish
// completes in the middle of the export; on PostgreSQL it waits for the
// export's snapshot, so it runs beside it and is awaited after.
func TestExportReadsOneState(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			wh, pub := e.open(t)
			ctx := context.Background()
			before := snapshotFingerprints(t, pub)
			dir, _ := contract.Gen(t, other)
			done := make(chan error, 1)
			publish := func() {
				if e.name == "duckdb" {
					contract.MustRun(t, wh, dir, 0)
					done <- nil
					return
				}
				go func() {
					sum, err := contract.RunDir(t, wh, dir, 0)
					if err == nil && sum.Status != animetl.StatusSucceeded {
						err = errorf("run status %s", sum.Status)
					}
					done <- err
				}()
			}
			out := t.TempDir()
			store, err := lake.NewDir(out)
			if err != nil {
				t.Fatal(err)
			}
			res, err := lake.Export(ctx, racingPub{Publication: pub, publish: publish}, store, lake.Options{Buckets: 4, MemoryLimit: "256MB"})
			if err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatalf("the racing run: %v", err)
			}
			after := snapshotFingerprints(t, pub)
			if after["user_anime"] == before["user_anime"] {
				t.Fatal("the racing run did not change user_anime: the test proves nothing")
			}
			got := lakeFingerprints(t, out, res.Manifest)
			for table, want := range before {
				if got[table] != want {
					t.Errorf("%s: exported %+v, the state the export began on %+v (after the publish: %+v)", table, got[table], want, after[table])
				}
			}
		})
	}
}

func snapshotFingerprints(t *testing.T, pub animetl.Publication) map[string]contract.Fingerprint {
	t.Helper()
	snap, err := pub.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	return contract.Fingerprints(t, snap)
}

// lakeFingerprints reads every table of the manifest back with DuckDB.
func lakeFingerprints(t *testing.T, root string, m lake.Manifest) map[string]contract.Fingerprint {
	t.Helper()
	pq := newParquetDB(t)
	out := map[string]contract.Fingerprint{}
	for _, tm := range m.Tables {
		var paths []string
		for _, f := range tm.Files {
			paths = append(paths, sqlString(filepath.Join(root, filepath.FromSlash(f.Path))))
		}
		if _, err := pq.db.Exec("CREATE OR REPLACE VIEW " + tm.Name + " AS SELECT * FROM read_parquet([" + strings.Join(paths, ", ") + "], hive_partitioning = false)"); err != nil {
			t.Fatal(err)
		}
		out[tm.Name] = contract.TableFingerprint(t, pq, tm.Name, contract.TableKeys[tm.Name])
	}
	return out
}
