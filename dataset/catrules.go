package dataset

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/animetl/animetl"
)

// RuleKind names the cleaning rule of a catalogue column.
type RuleKind string

// The rules of the catalogue columns (see the cleaners in anime.go,
// synopsis.go and status.go).
const (
	// RuleInt: a decimal integer (or integral decimal text) from Min to Max.
	RuleInt RuleKind = "int"
	// RuleOptInt: RuleInt, or Unknown/empty for NULL.
	RuleOptInt RuleKind = "optint"
	// RuleText: text trimmed of spaces and tabs, Unknown/empty for NULL;
	// invalid UTF-8 and NUL bytes reject the record.
	RuleText RuleKind = "text"
	// RuleRequiredText: RuleText that must not be NULL.
	RuleRequiredText RuleKind = "requiredtext"
	// RuleSynopsis: RuleText; the site's placeholders are NULL too.
	RuleSynopsis RuleKind = "synopsis"
	// RuleAired: RuleText; the text is also read into dates (ParseAired),
	// which never rejects.
	RuleAired RuleKind = "aired"
	// RuleList: a comma-separated list of distinct items (list).
	RuleList RuleKind = "list"
	// RuleScore: ParseScore, or Unknown for NULL.
	RuleScore RuleKind = "score"
	// RulePremiered: ParsePremiered, or Unknown for NULL.
	RulePremiered RuleKind = "premiered"
	// RuleDuration: ParseDuration, or Unknown for NULL.
	RuleDuration RuleKind = "duration"
)

// ColumnRule is the cleaning rule of one catalogue column.
type ColumnRule struct {
	// Column is the column's name as the header mapping knows it.
	Column string
	Kind   RuleKind
	// Min and Max bound RuleInt and RuleOptInt.
	Min, Max int64
	// Optional columns may be absent from the header (the synopsis file's
	// Name); the rule then does not apply.
	Optional bool
}

// CatalogueRules returns the rules of a catalogue file's columns (kind
// KindAnime, KindSynopsis or KindWatchingStatus) in the order its decoder
// checks them: a record is rejected for the first column that fails. nil
// for other kinds. Engines that clean the catalogue elsewhere (Spark)
// apply them in this order.
func CatalogueRules(kind animetl.Kind) []ColumnRule {
	switch kind {
	case animetl.KindAnime:
		rules := []ColumnRule{{Column: "MAL_ID", Kind: RuleInt, Min: 1, Max: maxInt32}}
		for _, c := range []string{"Name", "English name", "Japanese name", "Type", "Source", "Rating"} {
			rules = append(rules, ColumnRule{Column: c, Kind: RuleText})
		}
		rules = append(rules,
			ColumnRule{Column: "Score", Kind: RuleScore},
			ColumnRule{Column: "Episodes", Kind: RuleOptInt, Max: maxInt32},
			ColumnRule{Column: "Aired", Kind: RuleAired},
			ColumnRule{Column: "Premiered", Kind: RulePremiered},
			ColumnRule{Column: "Duration", Kind: RuleDuration},
		)
		for _, c := range []string{"Ranked", "Popularity", "Members", "Favorites", "Watching", "Completed", "On-Hold", "Dropped", "Plan to Watch"} {
			rules = append(rules, ColumnRule{Column: c, Kind: RuleOptInt, Max: maxInt32})
		}
		for i := 1; i <= 10; i++ {
			rules = append(rules, ColumnRule{Column: fmt.Sprintf("Score-%d", i), Kind: RuleOptInt, Max: maxInt32})
		}
		for _, c := range []string{"Genres", "Producers", "Licensors", "Studios"} {
			rules = append(rules, ColumnRule{Column: c, Kind: RuleList})
		}
		return rules
	case animetl.KindSynopsis:
		return []ColumnRule{
			{Column: "MAL_ID", Kind: RuleInt, Min: 1, Max: maxInt32},
			{Column: "Name", Kind: RuleText, Optional: true},
			{Column: "sypnopsis", Kind: RuleSynopsis},
		}
	case animetl.KindWatchingStatus:
		return []ColumnRule{
			{Column: "status", Kind: RuleInt, Max: math.MaxInt16},
			{Column: "description", Kind: RuleRequiredText},
		}
	}
	return nil
}

// RepeatKey names the key whose repeats a catalogue file's decoder
// resolves ("MAL_ID", "status"), as its reasons word it.
func RepeatKey(kind animetl.Kind) string {
	if kind == animetl.KindWatchingStatus {
		return "status"
	}
	return "MAL_ID"
}

// Reason applies the rule to one field's text as the decoder does and
// returns the reason it fails, or "" when the text passes. Engines that
// clean the catalogue elsewhere (Spark) word their rejects with it.
func (r ColumnRule) Reason(field []byte) string {
	var err *fieldError
	switch r.Kind {
	case RuleInt:
		_, err = parseInt(r.Column, field, r.Min, r.Max)
	case RuleOptInt:
		_, err = optInt(r.Column, field, r.Min, r.Max)
	case RuleText, RuleSynopsis, RuleAired:
		_, err = text(r.Column, field)
	case RuleRequiredText:
		var d *string
		if d, err = text(r.Column, field); err == nil && d == nil {
			err = errf(r.Column, "empty description")
		}
	case RuleList:
		_, err = list(r.Column, field)
	case RuleScore:
		_, _, err = scoreField(field)
	case RulePremiered:
		_, _, _, err = premieredField(field)
	case RuleDuration:
		_, _, err = durationField(field)
	}
	if err != nil {
		return err.reason
	}
	return ""
}

// ReadCatalogueLayout reads the header record of a catalogue file (kind
// KindAnime, KindSynopsis or KindWatchingStatus) from the start of r and
// maps it as the decoder does: Pos maps each of CatalogueRules' columns to
// its field index, -1 for an absent optional column. A header record may
// span lines, as in the decoder. Errors wrap animetl.ErrHeader for a
// missing or bad header.
func ReadCatalogueLayout(r io.Reader, file string, kind animetl.Kind) (ListLayout, error) {
	var spec fileSpec
	switch kind {
	case animetl.KindAnime:
		spec = animeSpec
	case animetl.KindSynopsis:
		spec = synopsisSpec
	case animetl.KindWatchingStatus:
		spec = statusSpec
	default:
		return ListLayout{}, fmt.Errorf("%s: not a catalogue file (kind %v)", file, kind)
	}
	var lay ListLayout
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := peek(br)
	if err != nil {
		return lay, fmt.Errorf("%s: %w", file, err)
	}
	if utf16Decoder(head) != nil || crOnly(head) {
		return lay, nil
	}
	rec, err := NewReader(br).Next()
	if errors.Is(err, io.EOF) {
		return lay, fmt.Errorf("%s: empty file, no header: %w", file, animetl.ErrHeader)
	}
	if err != nil {
		return lay, fmt.Errorf("%s: %w", file, err)
	}
	h, err := mapHeader(file, rec, spec)
	if err != nil {
		return lay, err
	}
	lay = ListLayout{Plain: true, Fields: h.n, Pos: map[string]int{}, Ignored: h.extra}
	for _, r := range CatalogueRules(kind) {
		lay.Pos[r.Column] = h.col(r.Column)
	}
	return lay, nil
}

// AiredMonths returns the month names ParseAired reads (lower case) and
// their numbers.
func AiredMonths() map[string]int {
	m := make(map[string]int, len(months))
	for k, v := range months {
		m[k] = int(v)
	}
	return m
}

// PremieredSeasons returns the season names ParsePremiered reads (lower
// case) and their canonical spelling.
func PremieredSeasons() map[string]string {
	m := make(map[string]string, len(seasons))
	for k, v := range seasons {
		m[k] = v
	}
	return m
}

// SynopsisPlaceholders returns the starts of the texts the site shows when
// no synopsis was written, which the decoder stores as NULL.
func SynopsisPlaceholders() []string {
	return append([]string(nil), synopsisPlaceholders...)
}
