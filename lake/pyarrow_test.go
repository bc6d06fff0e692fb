package lake_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/lake"
	"github.com/animetl/animetl/recommend"
)

// TestPyarrowReadsTheLake reads an export with pyarrow and pandas
// (ANIMETL_TEST_PYARROW names a Python that has them; scripts/test.sh
// installs them from PyPI into a cached virtual environment): the row
// counts are the manifest's, the types are Arrow's date, decimal and
// integer types, and the hive partitions name each row's bucket.
func TestPyarrowReadsTheLake(t *testing.T) {
	python := os.Getenv("ANIMETL_TEST_PYARROW")
	if python == "" {
		t.Skip("needs ANIMETL_TEST_PYARROW=PATH of a python with pyarrow and pandas; `make test` installs scripts/requirements-lake.txt and sets it")
	}
	_, pub := openDuck(t)
	out := t.TempDir()
	store, err := lake.NewDir(out)
	if err != nil {
		t.Fatal(err)
	}
	const buckets = 16
	res, err := lake.Export(context.Background(), pub, store, lake.Options{Buckets: buckets, MemoryLimit: "256MB", TempDir: t.TempDir(),
		ML: true, Seed: recommend.DefaultSeed})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, filepath.Join("testdata", "read_lake.py"), out)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("read_lake.py: %v", err)
	}
	var got struct {
		RunID  string `json:"run_id"`
		Tables map[string]struct {
			Rows  int64             `json:"rows"`
			Types map[string]string `json:"types"`
		} `json:"tables"`
		DatasetRows    int64   `json:"dataset_rows"`
		WrongBucket    int64   `json:"wrong_bucket"`
		PandasRows     int64   `json:"pandas_rows"`
		PandasScoreMax float64 `json:"pandas_score_max"`
		ML             struct {
			InteractionsRows  int64    `json:"interactions_rows"`
			Splits            []string `json:"splits"`
			TestShareBigUsers float64  `json:"test_share_big_users"`
			BigUsersWithout   int64    `json:"big_users_without_test"`
			TestInSmallUsers  int64    `json:"test_in_small_users"`
			GenresType        string   `json:"genres_type"`
			ItemsRows         int64    `json:"items_rows"`
			GenresAllLists    bool     `json:"genres_all_lists"`
			ItemsWithGenres   int64    `json:"items_with_genres"`
		} `json:"ml"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("read_lake.py printed %s: %v", b, err)
	}
	if got.RunID != res.Manifest.RunID {
		t.Errorf("pyarrow read run %s, exported %s", got.RunID, res.Manifest.RunID)
	}
	for _, tm := range res.Manifest.Tables {
		if g := got.Tables[tm.Name]; g.Rows != tm.Rows {
			t.Errorf("%s: pyarrow read %d rows, manifest %d", tm.Name, g.Rows, tm.Rows)
		}
	}
	for _, c := range []struct{ table, column, typ string }{
		{"anime", "score", "decimal128(4, 2)"},
		{"anime", "aired_from", "date32[day]"},
		{"anime", "anime_id", "int32"},
		{"anime", "name", "string"},
		{"anime", "is_inferred", "bool"},
		{"user_anime", "watching_status", "int16"},
		{"anime_stats", "list_users", "int64"},
	} {
		if g := got.Tables[c.table].Types[c.column]; g != c.typ {
			t.Errorf("%s.%s: pyarrow type %q, want %q", c.table, c.column, g, c.typ)
		}
	}
	fact := res.Manifest.Tables[indexOf(t, res.Manifest, lake.FactTable)].Rows
	if got.DatasetRows != fact || got.PandasRows != fact || got.WrongBucket != 0 {
		t.Errorf("user_anime: dataset %d rows, pandas %d, %d in a wrong bucket; want %d and 0", got.DatasetRows, got.PandasRows, got.WrongBucket, fact)
	}
	// The ML tables: a list of strings for genres, and about TestShare of
	// the entries of users with at least MinSplitEntries as test (each such
	// user at least one; floor(n*share) per user keeps the share at or a
	// little under it), none for the others.
	ml := got.ML
	if ml.InteractionsRows != fact || len(ml.Splits) != 2 || ml.Splits[0] != lake.SplitTest || ml.Splits[1] != lake.SplitTrain {
		t.Errorf("interactions: pandas read %d rows with splits %v; want %d, test and train", ml.InteractionsRows, ml.Splits, fact)
	}
	if ml.TestShareBigUsers < recommend.TestShare-0.05 || ml.TestShareBigUsers > recommend.TestShare+0.01 ||
		ml.BigUsersWithout != 0 || ml.TestInSmallUsers != 0 {
		t.Errorf("split: test share %.3f of users with >= %d entries (%d of them without test), %d test entries of smaller users; want about %.2f, 0, 0",
			ml.TestShareBigUsers, recommend.MinSplitEntries, ml.BigUsersWithout, ml.TestInSmallUsers, recommend.TestShare)
	}
	items := res.Manifest.Tables[indexOf(t, res.Manifest, lake.ItemsTable)].Rows
	if !strings.HasPrefix(ml.GenresType, "list<") || !strings.HasSuffix(ml.GenresType, ": string>") || !ml.GenresAllLists ||
		ml.ItemsRows != items || ml.ItemsWithGenres == 0 {
		t.Errorf("items: genres type %q (all lists %v), %d rows (%d with genres); want a list of strings, %d rows", ml.GenresType,
			ml.GenresAllLists, ml.ItemsRows, ml.ItemsWithGenres, items)
	}
	t.Logf("pyarrow: test share %.4f of users with >= %d entries; genres %s", ml.TestShareBigUsers, recommend.MinSplitEntries, ml.GenresType)

	snap, err := pub.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	if want := contract.QueryAll(t, snap, "SELECT max(score) FROM anime")[0][0]; contract.Canon(got.PandasScoreMax) != want {
		t.Errorf("pandas max(score) %v, warehouse %s", got.PandasScoreMax, want)
	}
}

func indexOf(t *testing.T, m lake.Manifest, table string) int {
	t.Helper()
	for i, tm := range m.Tables {
		if tm.Name == table {
			return i
		}
	}
	t.Fatalf("manifest has no %s", table)
	return -1
}
