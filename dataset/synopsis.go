package dataset

import (
	"strings"

	"github.com/animetl/animetl"
)

// SynopsisColumns is the header of anime_with_synopsis.csv ("sypnopsis" is
// the real file's spelling; "synopsis" is accepted too).
var SynopsisColumns = []string{"MAL_ID", "Name", "Score", "Genres", "sypnopsis"}

var synopsisSpec = fileSpec{
	kind:     animetl.KindSynopsis,
	required: []string{"MAL_ID", "sypnopsis"},
	optional: []string{"Name", "Score", "Genres"},
	aliases:  map[string]string{"synopsis": "sypnopsis"},
}

// synopsisPlaceholders start the texts the site shows when no synopsis was
// written; they are stored as NULL.
var synopsisPlaceholders = []string{
	"No synopsis information has been added to this title",
	"No synopsis has been added for this series yet",
}

type synopsisCleaner struct{ id, name, text int }

func newSynopsisCleaner(h *header) *synopsisCleaner {
	return &synopsisCleaner{id: h.col("MAL_ID"), name: h.col("Name"), text: h.col("sypnopsis")}
}

// clean keeps the synopsis text as written, "(Source: ...)" notes included;
// empty texts and placeholders become nil. Name, Score and Genres repeat
// anime.csv; only Name is kept, for ids the catalogue lacks.
func (c *synopsisCleaner) clean(rec *Record) (animetl.Synopsis, *fieldError) {
	s := animetl.Synopsis{Line: rec.Line}
	id, err := parseInt("MAL_ID", rec.Fields[c.id], 1, maxInt32)
	if err != nil {
		return s, err
	}
	s.AnimeID = int32(id)
	if c.name >= 0 {
		if s.Name, err = text("Name", rec.Fields[c.name]); err != nil {
			return s, err
		}
	}
	t, err := text("sypnopsis", rec.Fields[c.text])
	if err != nil {
		return s, err
	}
	if t != nil && IsSynopsisPlaceholder(*t) {
		t = nil
	}
	s.Text = t
	return s, nil
}

// IsSynopsisPlaceholder reports whether a synopsis is the site's "none yet" text.
func IsSynopsisPlaceholder(s string) bool {
	for _, p := range synopsisPlaceholders {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
