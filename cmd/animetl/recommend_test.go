package main

import (
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/animetl/animetl/internal/contract"
)

// TestRecommendAndSimilar: recommend and similar print the published rows
// in each format, the popularity fallback says so (stderr for table and
// csv, fields in json), unknown ids exit 3 and a warehouse without the
// tables exits 1 saying how to get them, on both warehouses.
func TestRecommendAndSimilar(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	for _, k := range warehouses(t) {
		t.Run(k.name, func(t *testing.T) {
			wh := k.spec(t)
			if code, _, stderr := cli(t, "run", "--source", dir, "--warehouse", wh, "--progress", "never"); code != exitOK {
				t.Fatalf("run: exit %d\n%s", code, stderr)
			}
			r := contract.PublishRecs(t, wh)
			id := func(n int64) string { return strconv.FormatInt(n, 10) }

			code, out, stderr := cli(t, "recommend", "--user", id(r.User), "--warehouse", wh, "--format", "json")
			if code != exitOK {
				t.Fatalf("recommend json: exit %d\n%s", code, stderr)
			}
			obj := decodeOne(t, out)
			if obj["model"] != contract.RecUserModel || obj["model_run_id"] != contract.RecRunID || obj["fallback"] != false ||
				obj["run_id"] == "" || obj["user_id"].(float64) != float64(r.User) {
				t.Errorf("recommend json: %v", obj)
			}
			if got := jsonIDs(t, obj); !slices.Equal(got, r.UserRecs[:10]) {
				t.Errorf("recommend json: %v, want %v", got, r.UserRecs[:10])
			}

			code, out, stderr = cli(t, "similar", "--anime", id(r.Anime), "--limit", "20", "--warehouse", wh, "--format", "csv")
			if code != exitOK || stderr != "" {
				t.Fatalf("similar csv: exit %d\n%s", code, stderr)
			}
			recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(recs) != 21 || strings.Join(recs[0], ",") != "rank,anime_id,name,score" {
				t.Fatalf("similar csv: %v %q", err, out)
			}
			for i, a := range r.Similar {
				if recs[i+1][0] != id(int64(i+1)) || recs[i+1][1] != id(a) || recs[i+1][2] == "" {
					t.Errorf("similar csv row %d: %v, want anime %d", i+1, recs[i+1], a)
				}
			}

			code, out, stderr = cli(t, "similar", "--anime", id(r.Anime), "--limit", "3", "--warehouse", wh)
			if code != exitOK || !strings.HasPrefix(out, "rank") || strings.Count(out, "\n") != 5 {
				t.Errorf("similar table: exit %d\n%s\n%s", code, out, stderr)
			}

			// No history: popularity, said on stderr (table) and in json.
			code, out, stderr = cli(t, "recommend", "--user", id(r.NoHistory), "--warehouse", wh)
			if code != exitOK || !strings.Contains(stderr, "no list entries") || !strings.Contains(stderr, "popularity") ||
				!strings.Contains(out, id(r.Popular[0])) {
				t.Errorf("recommend fallback table: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
			}
			code, out, _ = cli(t, "recommend", "--user", id(r.NotModeled), "--warehouse", wh, "--format", "json", "--limit", "5")
			obj = decodeOne(t, out)
			if code != exitOK || obj["model"] != "popularity" || obj["fallback"] != true || obj["fallback_reason"] == nil {
				t.Errorf("recommend fallback json: exit %d %v", code, obj)
			}
			var want []int64
			for _, a := range r.Popular {
				if !slices.Contains(r.NotModeledSeen, a) && len(want) < 5 {
					want = append(want, a)
				}
			}
			if got := jsonIDs(t, obj); !slices.Equal(got, want) {
				t.Errorf("recommend fallback: %v, want %v (popular, unseen)", got, want)
			}

			for _, args := range [][]string{
				{"recommend", "--user", id(r.Unknown)},
				{"similar", "--anime", "999999999"},
			} {
				code, out, stderr := cli(t, append(args, "--warehouse", wh)...)
				if code != exitNotFound || out != "" || !strings.Contains(stderr, "unknown") {
					t.Errorf("%v: exit %d, want %d\nstdout %q\nstderr %q", args, code, exitNotFound, out, stderr)
				}
			}

			contract.DropRecs(t, wh)
			code, _, stderr = cli(t, "similar", "--anime", id(r.Anime), "--warehouse", wh)
			if code != exitFailed || !strings.Contains(stderr, "--recommend") {
				t.Errorf("no recommendation tables: exit %d, want %d\n%s", code, exitFailed, stderr)
			}
		})
	}
}

func jsonIDs(t *testing.T, obj map[string]any) []int64 {
	t.Helper()
	var ids []int64
	for i, it := range obj["items"].([]any) {
		o := it.(map[string]any)
		if o["rank"].(float64) != float64(i+1) || o["name"] == nil {
			t.Errorf("item %d: %v", i, o)
		}
		ids = append(ids, int64(o["anime_id"].(float64)))
	}
	return ids
}

// TestRecommendFlags: the ids and --limit are checked before anything is
// opened: exit 2 naming the flag.
func TestRecommendFlags(t *testing.T) {
	wh := duckWarehouse(t)
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"recommend"}, "user"},
		{[]string{"recommend", "--user", "-1"}, "user"},
		{[]string{"recommend", "--user", "99999999999"}, "user"},
		{[]string{"recommend", "--user", "abc"}, "user"},
		{[]string{"recommend", "--user", "1", "--limit", "0"}, "limit"},
		{[]string{"recommend", "--user", "1", "--limit", "21"}, "limit"},
		{[]string{"recommend", "--user", "1", "--format", "xml"}, "format"},
		{[]string{"similar"}, "anime"},
		{[]string{"similar", "--anime", "-5"}, "anime"},
		{[]string{"similar", "--anime", "1", "--limit", "-1"}, "limit"},
		{[]string{"similar", "--anime", "1", "--warehouse", "mysql://x"}, "warehouse"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			args := append(c.args, "--warehouse", wh)
			if slices.Contains(c.args, "--warehouse") {
				args = c.args
			}
			code, out, stderr := cli(t, args...)
			if code != exitUsage || !strings.Contains(stderr, c.flag) {
				t.Errorf("exit %d, want %d naming %s\nstdout %q\nstderr %q", code, exitUsage, c.flag, out, stderr)
			}
		})
	}
	// --help tells the truth about the fallback and the exit codes.
	for _, cmd := range []string{"recommend", "similar"} {
		_, out, _ := cli(t, cmd, "--help")
		for _, want := range []string{"--limit", "--format", "exit 3", "--recommend"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s --help lacks %q", cmd, want)
			}
		}
	}
}
