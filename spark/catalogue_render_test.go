package spark

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/dataset"
)

// TestCatalogueSQLRenders renders catalogue.sql for each catalogue file in
// both layouts; the Spark tests run it.
func TestCatalogueSQLRenders(t *testing.T) {
	for _, tc := range []struct {
		name   string
		kind   animetl.Kind
		header string
		want   []string
	}{
		{"anime public", animetl.KindAnime, strings.Join(dataset.AnimeColumns, ",") + "\n", []string{"aired_from", "o_c0", "'Score-10'"}},
		{"anime indexed", animetl.KindAnime, "," + strings.Join(dataset.AnimeColumns, ",") + "\n", []string{"try_element_at(f, 1 + 1) AS x_c0"}},
		{"synopsis without name", animetl.KindSynopsis, "MAL_ID,synopsis\n", []string{"No synopsis"}},
		{"status", animetl.KindWatchingStatus, "status, description\n", []string{"'description'"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lay, err := dataset.ReadCatalogueLayout(strings.NewReader(tc.header), "f.csv", tc.kind)
			if err != nil {
				t.Fatal(err)
			}
			f := animetl.ListFile{Load: &animetl.FileLoad{ID: 1, Kind: tc.kind}, Fields: lay.Fields, Pos: lay.Pos}
			p, err := newCatParams("t", "file:///x", "v", f)
			if err != nil {
				t.Fatal(err)
			}
			text, err := render("catalogue.sql", p)
			if err != nil {
				t.Fatal(err)
			}
			if !utf8.ValidString(text) { // Spark Connect sends SQL as a protobuf string
				t.Errorf("the SQL is not valid UTF-8")
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("no %q in\n%s", w, text)
				}
			}
			if testing.Verbose() && tc.name == "anime public" {
				t.Log(text)
			}
		})
	}
}
