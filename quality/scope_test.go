package quality

import (
	"strings"
	"testing"
)

// TestDeltaScopeSelectsDayQueries: in ScopeDelta the fact-table checks run
// their day-scoped query on each engine (no pass over the whole user_anime,
// no GROUP BY of it), sharing one scan; in ScopeFull, and for checks without
// one, the full query (DuckDB's key check in passes over ranges of user_id).
func TestDeltaScopeSelectsDayQueries(t *testing.T) {
	byName := map[string]Check{}
	for _, c := range Defaults(DefaultLimits()) {
		byName[c.Name] = c
	}
	pk, prof := byName["user_anime_pk_unique"], byName["anime_stats_matches_user_anime"]
	if got := pk.sqlFor("duckdb", ScopeDelta); got != prof.sqlFor("duckdb", ScopeDelta) {
		t.Errorf("duckdb delta pk check: %s", got)
	}
	if got := pk.sqlFor("postgres", ScopeDelta); got != pk.Dialects["postgres"] {
		t.Errorf("postgres delta pk check should read the constraint, got %s", got)
	}
	if got := pk.sqlFor("duckdb", ScopeFull); !strings.Contains(got, "{{LO}}") || pk.Passes == nil {
		t.Errorf("duckdb full pk check: %s", got)
	}
	for _, d := range []string{"duckdb", "postgres"} {
		if got := prof.sqlFor(d, ScopeDelta); !strings.Contains(got, "ua_keys") || !strings.Contains(got, "ua_old") {
			t.Errorf("%s delta profile does not read the day: %s", d, got)
		}
		want := userAnimeProfile
		if d == "postgres" {
			want = userAnimeProfilePG
		}
		if got := prof.sqlFor(d, ScopeFull); got != want {
			t.Errorf("%s full profile: %s", d, got)
		}
	}
	if got := prof.sqlFor("duckdb", ScopeDelta); !strings.Contains(got, "scratch.ua_keys") {
		t.Errorf("duckdb delta profile must read scratch.ua_keys: %s", got)
	}
	if c := byName["anime_score_range"]; c.sqlFor("duckdb", ScopeDelta) != c.SQL {
		t.Errorf("a check without a delta query changed in ScopeDelta")
	}
}
