package dataset

import (
	"strings"
	"testing"

	"github.com/animetl/animetl"
)

// TestCatalogueRulesFollowTheDecoders checks that CatalogueRules lists
// each catalogue file's rules in the order its decoder applies them, and
// that ColumnRule.Reason words a failure as the decoder does: with every
// column bad, the decoder rejects for the first rule; fixing that column,
// for the next; and so on.
func TestCatalogueRulesFollowTheDecoders(t *testing.T) {
	good := map[RuleKind]string{
		RuleInt: "1", RuleOptInt: "1", RuleText: "t", RuleRequiredText: "t", RuleSynopsis: "t", RuleAired: "2005",
		RuleList: "a", RuleScore: "7", RulePremiered: "Spring 2000", RuleDuration: "1 min.",
	}
	bad := map[RuleKind]string{
		RuleInt: "x", RuleOptInt: "1.5", RuleText: "\xff", RuleRequiredText: "", RuleSynopsis: "a\x00", RuleAired: "\xfe",
		RuleList: "a,\xff", RuleScore: "11", RulePremiered: "Spring", RuleDuration: "1 min",
	}
	for _, tc := range []struct {
		kind   animetl.Kind
		header []string
		decode func(string, func(*animetl.RowError) error) error
	}{
		{animetl.KindAnime, AnimeColumns, func(text string, rej func(*animetl.RowError) error) error {
			_, err := DecodeAnime(strings.NewReader(text), "f", func(animetl.Anime) error { return nil }, rej)
			return err
		}},
		{animetl.KindSynopsis, SynopsisColumns, func(text string, rej func(*animetl.RowError) error) error {
			_, err := DecodeSynopsis(strings.NewReader(text), "f", func(animetl.Synopsis) error { return nil }, rej)
			return err
		}},
		{animetl.KindWatchingStatus, WatchingStatusColumns, func(text string, rej func(*animetl.RowError) error) error {
			_, err := DecodeWatchingStatus(strings.NewReader(text), "f", func(animetl.WatchingStatus) error { return nil }, rej)
			return err
		}},
	} {
		rules := CatalogueRules(tc.kind)
		if len(rules) == 0 {
			t.Fatalf("kind %v: no rules", tc.kind)
		}
		values := map[string]string{}
		for _, c := range tc.header {
			values[c] = "x" // columns without a rule are not cleaned
		}
		for _, r := range rules {
			values[r.Column] = bad[r.Kind]
		}
		for _, r := range rules {
			fields := make([]string, len(tc.header))
			for i, c := range tc.header {
				fields[i] = `"` + values[c] + `"`
			}
			var got []animetl.RowError
			err := tc.decode(strings.Join(tc.header, ",")+"\n"+strings.Join(fields, ",")+"\n", func(e *animetl.RowError) error {
				got = append(got, *e)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := r.Reason([]byte(bad[r.Kind]))
			if len(got) != 1 || got[0].Column != r.Column || got[0].Reason != want || want == "" {
				t.Errorf("kind %v, rule %s: rejects %+v, want column %s, reason %q", tc.kind, r.Column, got, r.Column, want)
			}
			if r.Reason([]byte(good[r.Kind])) != "" {
				t.Errorf("kind %v, rule %s rejects %q", tc.kind, r.Column, good[r.Kind])
			}
			values[r.Column] = good[r.Kind]
		}
	}
}
