package synth

import (
	"context"
	"math/rand/v2"
	"strings"
)

// synopsisHeader is the header of anime_with_synopsis.csv; "sypnopsis" is
// misspelt in the real file.
const synopsisHeader = "MAL_ID,Name,Score,Genres,sypnopsis"

// placeholder is the text the real file holds for a title without synopsis.
const placeholder = "No synopsis information has been added to this title. Help improve our database by adding a synopsis here."

// Sentence parts of generated synopses.
var (
	people = []string{"a high school student", "a young witch", "an ordinary office worker", "a retired hero",
		"the last heir of a fallen clan", "a girl with no memories", "a genius detective", "a rookie pilot"}
	goals = []string{"becoming the strongest", "finding her missing sister", "saving the kingdom", "winning the national tournament",
		"a quiet life", "the truth behind the incident", "a cure for the curse", "returning home"}
	places = []string{"Tokyo", "a floating city", "the capital", "a small seaside town", "another world", "the academy", "space", "the old shrine"}
	notes  = []string{"(Source: ANN)", "(Source: Crunchyroll)", "(Source: Funimation)", "(Source: MangaHelpers)", "[Written by MAL Rewrite]"}
)

// synopsisText draws one synopsis: prose with commas and quotes, often a
// source note, now and then a newline, sometimes empty or the placeholder.
func synopsisText(r *rand.Rand, name string) string {
	switch u := r.Float64(); {
	case u < 0.004:
		return ""
	case u < 0.045:
		return placeholder
	}
	var sb strings.Builder
	sb.WriteString(name + " follows " + oneOf(r, people) + ", who dreams of " + oneOf(r, goals) + ".")
	for n := r.IntN(4); n > 0; n-- {
		switch r.IntN(4) {
		case 0:
			sb.WriteString(` When the so-called "` + oneOf(r, english) + `" appears in ` + oneOf(r, places) + ", everything changes.")
		case 1:
			sb.WriteString(" After years away, " + oneOf(r, people) + " returns to " + oneOf(r, places) + ", only to find that nothing is as it was.")
		case 2:
			sb.WriteString(" Together, they must face " + oneOf(r, people) + `, the one everyone calls "the ` + strings.ToLower(oneOf(r, english)) + `."`)
		default:
			sb.WriteString(" But " + oneOf(r, places) + " hides a secret, and time is running out.")
		}
	}
	if chance(r, 0.012) {
		sb.WriteString("\n")
		sb.WriteString(" " + oneOf(r, people) + " stands in the way.")
	}
	if chance(r, 0.35) {
		sb.WriteString(" " + oneOf(r, notes))
	}
	return sb.String()
}

// writeSynopsis writes anime_with_synopsis.csv: every catalogue title but
// the Rx ones, with Name, Score and Genres exactly as in anime.csv.
func writeSynopsis(ctx context.Context, w *recordWriter, c *catalogue, seed uint64) error {
	if err := w.header(synopsisHeader); err != nil {
		return err
	}
	r := newRand(seed, streamSynopsis)
	for i, a := range c.anime[:c.n] {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if a.rx {
			continue
		}
		b := appendFields(w.begin(), a.row[colID], a.row[colName], a.row[colScore], a.row[colGenres])
		b = append(b, ',')
		b = appendField(b, synopsisText(r, a.row[colName]))
		if err := w.endMultiline(b); err != nil {
			return err
		}
	}
	return nil
}
