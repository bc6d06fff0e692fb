package recommend_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/postgres"
	"github.com/animetl/animetl/recommend"
	"github.com/animetl/animetl/synth"
)

// boxedOnly hides a Querier's animetl.IntRows, so Load takes its Values path.
type boxedOnly struct{ q animetl.Querier }

func (b boxedOnly) Query(ctx context.Context, q string, args ...any) (animetl.Rows, error) {
	r, err := b.q.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return struct{ animetl.Rows }{r}, nil
}

// TestLoadFastPathEqualsValues: the typed read (ScanInts) and the boxed one
// build the same matrix from the same warehouse, on both engines, and the
// matrix holds every entry of user_anime.
func TestLoadFastPathEqualsValues(t *testing.T) {
	dir, _ := contract.Gen(t, synth.Config{Rows: 20_000, Anime: 500, Seed: 11})
	whs := map[string]animetl.Warehouse{}
	duck, err := duckdb.Open(duckdb.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	whs["duckdb"] = duck
	if os.Getenv("ANIMETL_TEST_POSTGRES") != "" {
		pg, err := postgres.Open(context.Background(), postgres.Options{URL: contract.NewPostgresDB(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer pg.Close()
		whs["postgres"] = pg
	} else {
		t.Log("PostgreSQL case skipped: set ANIMETL_TEST_POSTGRES=postgres://... (make test does)")
	}
	for name, wh := range whs {
		t.Run(name, func(t *testing.T) {
			contract.MustRun(t, wh, dir, 0)
			ctx := context.Background()
			rows, err := wh.Query(ctx, "SELECT user_id FROM user_anime")
			if err != nil {
				t.Fatal(err)
			}
			_, fast := rows.(animetl.IntRows)
			rows.Close()
			if !fast {
				t.Fatalf("%s rows do not implement animetl.IntRows", name)
			}
			typed, err := recommend.Load(ctx, wh, nil)
			if err != nil {
				t.Fatal(err)
			}
			boxed, err := recommend.Load(ctx, boxedOnly{wh}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(typed, boxed) {
				t.Fatal("the typed and the boxed reads built different matrices")
			}
			n := contract.QueryAll(t, wh, "SELECT count(*) FROM user_anime")[0][0]
			if got := typed.NNZ(); n != itoa(got) || got == 0 {
				t.Errorf("matrix holds %d entries, user_anime %s", got, n)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
