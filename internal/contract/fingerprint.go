package contract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/animetl/animetl"
)

// TableKeys orders every published table for a fingerprint.
var TableKeys = map[string]string{
	"watching_status":    "status",
	"anime":              "anime_id",
	"anime_score_votes":  "anime_id, score",
	"anime_stats":        "anime_id",
	"anime_status_stats": "anime_id, watching_status",
	"user_anime":         "user_id, anime_id",
	"genre":              "genre_id",
	"anime_genre":        "anime_id, genre_id",
	"studio":             "studio_id",
	"anime_studio":       "anime_id, studio_id",
	"producer":           "producer_id",
	"anime_producer":     "anime_id, producer_id",
	"licensor":           "licensor_id",
	"anime_licensor":     "anime_id, licensor_id",
	"rec_user":           "user_id, rank",
	"rec_similar":        "anime_id, rank",
	"rec_model":          "table_name",
}

// Fingerprint is a table's row count and a hash of its ordered rows, with
// values rendered the same way whatever the engine.
type Fingerprint struct {
	Rows int64
	Hash string
}

// Fingerprints hashes every published table.
func Fingerprints(t testing.TB, q animetl.Querier) map[string]Fingerprint {
	t.Helper()
	out := map[string]Fingerprint{}
	for table, key := range TableKeys {
		out[table] = TableFingerprint(t, q, table, key)
	}
	return out
}

// TableFingerprint hashes one table ordered by key.
func TableFingerprint(t testing.TB, q animetl.Querier, table, key string) Fingerprint {
	t.Helper()
	rows, err := q.Query(context.Background(), fmt.Sprintf("SELECT * FROM %s ORDER BY %s", table, key))
	if err != nil {
		t.Fatalf("fingerprint %s: %v", table, err)
	}
	defer rows.Close()
	h := sha256.New()
	var n int64
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatalf("fingerprint %s: %v", table, err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = Canon(v)
		}
		h.Write([]byte(strings.Join(parts, "\x1f") + "\n"))
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("fingerprint %s: %v", table, err)
	}
	return Fingerprint{Rows: n, Hash: hex.EncodeToString(h.Sum(nil))[:16]}
}

// Canon renders a value engine-independently.
func Canon(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', 17, 64)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return hex.EncodeToString(x)
	}
	return fmt.Sprint(v)
}

// QueryAll runs q and returns its rows as canonical strings.
func QueryAll(t testing.TB, q animetl.Querier, sql string, args ...any) [][]string {
	t.Helper()
	rows, err := q.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatalf("query %q: %v", sql, err)
		}
		r := make([]string, len(vals))
		for i, v := range vals {
			r[i] = Canon(v)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return out
}

// QueryInt runs a query returning one integer.
func QueryInt(t testing.TB, q animetl.Querier, sql string, args ...any) int64 {
	t.Helper()
	r := QueryAll(t, q, sql, args...)
	if len(r) != 1 || len(r[0]) != 1 {
		t.Fatalf("query %q: want one value, got %v", sql, r)
	}
	n, err := strconv.ParseInt(r[0][0], 10, 64)
	if err != nil {
		t.Fatalf("query %q: %q is not an integer", sql, r[0][0])
	}
	return n
}
