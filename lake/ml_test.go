package lake_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/lake"
	"github.com/animetl/animetl/recommend"
)

// TestExportML exports the ML tables on both warehouses and reads them back
// with DuckDB: interactions holds user_anime's rows and values, its split is
// the one recommend.Split draws from recommend.Load of the same state with
// the same seed, and items holds every anime with its genres as a list.
func TestExportML(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			_, pub := e.open(t)
			ctx := context.Background()
			out := t.TempDir()
			store, err := lake.NewDir(out)
			if err != nil {
				t.Fatal(err)
			}
			const seed = 7
			res, err := lake.Export(ctx, pub, store, lake.Options{Buckets: 4, MemoryLimit: "256MB", ML: true, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			m := res.Manifest
			if m.Split == nil || m.Split.Seed != seed || m.Split.MinEntries != recommend.MinSplitEntries || m.Split.TestShare != recommend.TestShare {
				t.Fatalf("manifest split %+v, want seed %d", m.Split, seed)
			}
			snap, err := pub.Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer snap.Close()
			pq := newParquetDB(t)
			for _, table := range []string{lake.InteractionsTable, lake.ItemsTable} {
				tm := m.Tables[indexOf(t, m, table)]
				if len(tm.Files) != 1 {
					t.Fatalf("%s: files %v, want one", table, tm.Files)
				}
				f := sqlString(filepath.Join(out, filepath.FromSlash(tm.Files[0].Path)))
				if _, err := pq.db.Exec("CREATE VIEW " + table + " AS SELECT * FROM read_parquet(" + f + ")"); err != nil {
					t.Fatal(err)
				}
				desc := contract.QueryAll(t, pq, "SELECT column_name, column_type FROM (DESCRIBE "+table+")")
				if len(desc) != len(tm.Columns) {
					t.Fatalf("%s: Parquet columns %v, manifest %v", table, desc, tm.Columns)
				}
				for i, c := range tm.Columns {
					if desc[i][0] != c.Name || desc[i][1] != c.Type {
						t.Errorf("%s: Parquet column %v, manifest %+v", table, desc[i], c)
					}
				}
				if n := contract.QueryInt(t, pq, "SELECT count(*) FROM "+table); n != tm.Rows {
					t.Errorf("%s: %d rows in Parquet, manifest %d", table, n, tm.Rows)
				}
			}

			// interactions without split is user_anime, renamed.
			if _, err := pq.db.Exec(`CREATE VIEW user_anime AS SELECT user_id, anime_id, status AS watching_status, rating, watched_episodes FROM interactions`); err != nil {
				t.Fatal(err)
			}
			if got, want := contract.TableFingerprint(t, pq, "user_anime", "user_id, anime_id"), contract.TableFingerprint(t, snap, "user_anime", "user_id, anime_id"); got != want {
				t.Errorf("interactions %+v, user_anime %+v", got, want)
			}
			// The split is recommend.Split's, entry for entry.
			d, err := recommend.Load(ctx, snap, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, test := recommend.Split(d, seed)
			var want []string
			for u := range test.Users {
				cols, _ := test.Row(u)
				for _, c := range cols {
					want = append(want, fmt.Sprintf("%d/%d", test.Users[u], test.Items[c]))
				}
			}
			var got []string
			for _, r := range contract.QueryAll(t, pq, "SELECT user_id, anime_id FROM interactions WHERE split = 'test' ORDER BY user_id, anime_id") {
				got = append(got, r[0]+"/"+r[1])
			}
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("exported %d test entries, recommend.Split %d; first %v vs %v", len(got), len(want), head(got), head(want))
			}
			if bad := contract.QueryInt(t, pq, "SELECT count(*) FROM interactions WHERE split NOT IN ('train', 'test')"); bad != 0 {
				t.Errorf("%d entries neither train nor test", bad)
			}
			// Another seed draws another split.
			_, other := recommend.Split(d, seed+1)
			if other.NNZ() == test.NNZ() && slices.Equal(other.Cols, test.Cols) {
				t.Error("seeds 7 and 8 draw the same split: the seed is not used")
			}

			// items: one row per anime, the features, genres sorted by name.
			if got, want := contract.QueryInt(t, pq, "SELECT count(*) FROM items"), contract.QueryInt(t, snap, "SELECT count(*) FROM anime"); got != want {
				t.Errorf("items %d rows, anime %d", got, want)
			}
			feats := "anime_id, name, type, episodes, premiered_year, premiered_season, source, age_rating, score, members"
			if got, want := contract.QueryAll(t, pq, "SELECT "+strings.ReplaceAll(strings.ReplaceAll(feats, "premiered_year", "year"), "premiered_season", "season")+" FROM items ORDER BY anime_id"),
				contract.QueryAll(t, snap, "SELECT "+feats+" FROM anime ORDER BY anime_id"); !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("items features differ from anime's: first %v vs %v", head2(got), head2(want))
			}
			genres := map[string][]string{}
			for _, r := range contract.QueryAll(t, snap, "SELECT ag.anime_id, g.name FROM anime_genre ag JOIN genre g ON g.genre_id = ag.genre_id") {
				genres[r[0]] = append(genres[r[0]], r[1])
			}
			withGenres := 0
			for _, r := range contract.QueryAll(t, pq, "SELECT anime_id, to_json(genres)::VARCHAR FROM items ORDER BY anime_id") {
				want := genres[r[0]]
				slices.Sort(want)
				w := "[]"
				if len(want) > 0 {
					w = `["` + strings.Join(want, `","`) + `"]`
					withGenres++
				}
				if r[1] != w {
					t.Errorf("anime %s: genres %s, warehouse %s", r[0], r[1], w)
					break
				}
			}
			if withGenres == 0 {
				t.Error("no anime has genres: the test proves nothing")
			}

			// The same run asked with another seed, or without ML before, is refused.
			if _, err := lake.Export(ctx, pub, store, lake.Options{Buckets: 4, ML: true, Seed: seed + 1}); err == nil {
				t.Error("export of the same run with another seed: no error")
			}
			if again, err := lake.Export(ctx, pub, store, lake.Options{Buckets: 4, ML: true, Seed: seed}); err != nil || !again.Reused {
				t.Errorf("export of the same run, same seed: reused %v, %v", again.Reused, err)
			}
		})
	}
}

func head(s []string) []string {
	return s[:min(len(s), 3)]
}

func head2(s [][]string) [][]string {
	return s[:min(len(s), 2)]
}
