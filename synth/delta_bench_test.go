package synth

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"
)

// deltaTimingEnv names the variable that turns on TestDeltaTiming.
const deltaTimingEnv = "ANIMETL_SYNTH_DELTA_TIMING"

// TestDeltaTiming times the brief's case, an 80,000-line delta with 8,000
// deletes against an 8M-row base with the real catalogue size. Writing the
// base takes a while and 150 MB of disk, so it runs only on demand:
//
//	ANIMETL_SYNTH_DELTA_TIMING=1 go test ./synth/ -run TestDeltaTiming -v
func TestDeltaTiming(t *testing.T) {
	if os.Getenv(deltaTimingEnv) == "" {
		t.Skipf("set %s=1 to time a delta against an 8M-row base", deltaTimingEnv)
	}
	dir := t.TempDir()
	start := time.Now()
	bst, err := WriteDir(context.Background(), dir, Config{Rows: 8_000_000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("base: %d rows, %d users, %d MB, written in %v", bst.AnimeList.Records, bst.Users, bst.AnimeList.Bytes>>20, time.Since(start).Round(time.Millisecond))
	for _, cfg := range []DeltaConfig{
		{Date: "2024-01-01", Rows: 80_000, Deletes: 8_000, Seed: 1},
		{Date: "2024-01-02", Rows: 80_000, Deletes: 8_000, Seed: 1, ChangedShare: 0.1},
	} {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start = time.Now()
		st, err := WriteDelta(context.Background(), dir, cfg)
		elapsed := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		t.Logf("delta %s (ChangedShare %v, 0 is 0.5): %v; %d changed, %d new, %d new users, %d deletes; allocated %d MB, heap now %d MB",
			cfg.Date, cfg.ChangedShare, elapsed.Round(time.Millisecond), st.Changed, st.New, st.NewUsers, st.Deletes.Records,
			(after.TotalAlloc-before.TotalAlloc)>>20, after.HeapInuse>>20)
	}
}

func BenchmarkWriteDelta(b *testing.B) {
	const baseRows = 1_000_000
	dir := b.TempDir()
	if _, err := WriteDir(context.Background(), dir, Config{Rows: baseRows, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	cfg := DeltaConfig{Date: "2024-01-01", Rows: baseRows / 100, Deletes: baseRows / 1000, Seed: 1}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := WriteDelta(context.Background(), dir, cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(baseRows)*float64(b.N)/b.Elapsed().Seconds(), "base-rows/s")
}
