package serve_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/serve"
)

// TestModelAnswersEqualSQL: the published run's read model answers every
// anime of the generated warehouse, searches (ASCII, mixed case and
// non-ASCII, names whole and in parts) and the filtered top lists exactly
// as the SQL does, to the byte of the JSON and the CSV, on both engines.
func TestModelAnswersEqualSQL(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			wh, openPub, _ := e.open(t)
			published(t, wh)
			pub := openPub(t, "")
			var qs serve.ModelQuestions
			for _, r := range contract.QueryAll(t, wh, "SELECT anime_id FROM anime ORDER BY anime_id") {
				qs.AnimeIDs = append(qs.AnimeIDs, int64(mustInt(t, r[0])))
			}
			qs.AnimeIDs = append(qs.AnimeIDs, 0, -1, 999_999_999) // unknown ids
			qs.Terms = searchTerms(t, contract.QueryAll(t, wh,
				"SELECT name, COALESCE(english_name, ''), COALESCE(japanese_name, '') FROM anime ORDER BY anime_id"))
			for _, r := range contract.QueryAll(t, wh, "SELECT DISTINCT type FROM anime WHERE type IS NOT NULL ORDER BY 1") {
				qs.Types = append(qs.Types, r[0], strings.ToUpper(r[0]))
			}
			qs.Types = append(qs.Types, "no such type", "Ｔｖ")
			for _, r := range contract.QueryAll(t, wh, "SELECT name FROM genre ORDER BY name") {
				qs.Genres = append(qs.Genres, r[0], strings.ToLower(r[0]))
			}
			qs.Genres = append(qs.Genres, "no such genre", "Ähnlich")
			diff, n, err := serve.CompareModelWithSQL(context.Background(), pub, qs)
			if err != nil {
				t.Fatal(err)
			}
			if diff != "" {
				t.Fatalf("after %d equal answers, the model differs from SQL: %s", n-1, diff)
			}
			t.Logf("%d answers equal (%d anime, %d search terms)", n, len(qs.AnimeIDs), len(qs.Terms))
		})
	}
}

// searchTerms picks search texts from the names: whole names, their start,
// a middle part in upper case, parts of the English and Japanese names, and
// texts no name holds or that only lower-case to a name's.
func searchTerms(t *testing.T, names [][]string) []string {
	terms := []string{"a", "A", "the", "THE", "no such anime at all", "ö", "É", "ß", "İ", "Σ", "ア", "の", "ー", "!", "%", "_", "'"}
	cut := func(s string, from, n int) string {
		r := []rune(s)
		if from >= len(r) {
			return ""
		}
		return string(r[from:min(from+n, len(r))])
	}
	for i, r := range names {
		if i%7 != 0 {
			continue
		}
		name, english, japanese := r[0], r[1], r[2]
		for _, s := range []string{name, strings.ToUpper(name), cut(name, 0, 4), strings.ToUpper(cut(name, 2, 5)),
			cut(english, 1, 6), cut(japanese, 0, 2), cut(japanese, 1, 3)} {
			if s = strings.TrimSpace(s); s != "" && utf8.RuneCountInString(s) <= 100 {
				terms = append(terms, s)
			}
		}
	}
	return terms
}

func mustInt(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("%q: not a whole number", s)
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// TestModelIsBuiltPerPublishedRun: the first request that sees a published
// run starts its model's build; after a publish the next one is built
// from the new run, and answers stay those of the published run meanwhile.
func TestModelIsBuiltPerPublishedRun(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			wh, openPub, _ := e.open(t)
			first := published(t, wh)
			ts := newServer(t, serve.Options{Publication: openPub(t, "")})
			modelOf := func() string {
				m := regexp.MustCompile(`animetl_read_model_anime\{run_id="([^"]+)"\} (\d+)`).FindStringSubmatch(string(get(t, ts, "/metrics").body))
				if m == nil || m[2] == "0" {
					return ""
				}
				return m[1]
			}
			get(t, ts, "/api/v1/genres")
			eventually(t, "the model of the first run is built", func() bool { return modelOf() == first.RunID })
			second := contract.MustRun(t, wh, mustDir(t), 0)
			eventually(t, "the new run is served", func() bool {
				return get(t, ts, "/api/v1/anime/1").json(t)["run_id"] == second.RunID
			})
			eventually(t, "the model of the second run is built", func() bool {
				get(t, ts, "/api/v1/search?q=a")
				return modelOf() == second.RunID
			})
			if r := get(t, ts, "/api/v1/search?q=b").json(t); r["run_id"] != second.RunID {
				t.Errorf("search from run %v, want %s", r["run_id"], second.RunID)
			}
		})
	}
}
