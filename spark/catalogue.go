package spark

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/dataset"
)

// The Go Reader and the decoders' text rules as Java regular expressions
// over ISO-8859-1 text, where each char is one byte of the file (see
// catalogue.sql). A quoted field is unrolled ("[^"]*+(?:""[^"]*+)*+"), so
// the regex engine loops without recursing over long synopses.
const (
	quotedField = `"[^"]*+(?:""[^"]*+)*+"`
	// catField is a field of a record: quoted (perhaps with junk after
	// its closing quote), unquoted (quotes inside are kept), or empty.
	catField = `(?:` + quotedField + `(?:[^,"][^,]*+)?|[^,"][^,]*+|)`
	// cleanField is a field of a record that may span lines: quoted
	// without junk, or unquoted within its line.
	cleanField      = `(?:` + quotedField + `|[^,"\n][^,\n]*+)?+`
	catLineRE       = `(?s)^` + catField + `(?:,` + catField + `)*\z`
	catExtractRE    = `(?s),(` + catField + `)`
	catAfterQuoteRE = `(?s)^` + quotedField + `[^,]`
	catQuotedRE     = `(?s)^"([^"]*+(?:""[^"]*+)*+)"`
	catJunkRE       = `(?s)^` + quotedField + `(.*)`
	bomRE           = `^\xEF\xBB\xBF`
	// crRE is the CR the Go reader drops at a line's end.
	crRE = `\r(?=\n|\z)`
	// wsClass is one rune Go's unicode.IsSpace knows, as UTF-8 bytes.
	wsClass = `(?:[\t\n\x0B\f\r ]|\xC2[\x85\xA0]|\xE1\x9A\x80|\xE2\x80[\x80-\x8A\xA8\xA9\xAF]|\xE2\x81\x9F|\xE3\x80\x80)`
	wsRE    = wsClass
	// trimRE is strings.TrimSpace.
	trimRE = `^` + wsClass + `++|` + wsClass + `++\z`
	// utf8SeqRE is one well-formed UTF-8 sequence of two bytes or more
	// (RFC 3629, as utf8.Valid): text is valid when removing every match
	// leaves no byte over 0x7F.
	utf8SeqRE = `[\xC2-\xDF][\x80-\xBF]|\xE0[\xA0-\xBF][\x80-\xBF]|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}|\xED[\x80-\x9F][\x80-\xBF]|` +
		`\xF0[\x90-\xBF][\x80-\xBF]{2}|[\xF1-\xF3][\x80-\xBF]{3}|\xF4[\x80-\x8F][\x80-\xBF]{2}`
	// strings.ToLower maps two runes outside ASCII into it: U+0130 (İ) to
	// i and U+212A (Kelvin) to k.
	dottedIRE = `\xC4\xB0`
	kelvinRE  = `\xE2\x84\xAA`
)

// recordRE cuts a catalogue file into the Go Reader's records (see
// catalogue.sql): a line too long, else a clean record of fields fields
// (spanning lines or not), else one line; each with its line break.
func recordRE(fields int) string {
	long := fmt.Sprintf(`(?=[^\n]{%d})[^\n]*+`, dataset.DefaultMaxRecordBytes+1)
	clean := cleanField + fmt.Sprintf(`(?:,%s){%d}(?=\n|\z)`, cleanField, fields-1)
	return `(?!\z)(?:` + long + `|` + clean + `|[^\n]*+)(?:\n|\z)`
}

// catCol is one rule of a catalogue file as catalogue.sql sees it.
type catCol struct {
	A      string // the column's alias: c0, c1, ...
	Column string
	Kind   dataset.RuleKind
	Min    int64
	Max    int64
	Pos    int
}

// catParams are the parameters of catalogue.sql.
type catParams struct {
	Table, Location, View           string
	Fields, MaxRecordBytes, RawHead int
	Cols                            []catCol
	KeyA, AiredA                    string
	Months, Seasons                 string
	Placeholders                    []string
	BOMRE, CRRE, RecordRE, LineRE   string
	FieldRE, AfterQuoteRE           string
	QuotedRE, JunkRE                string
}

// catCols lists the rules of a catalogue file that apply to its header:
// an optional column the header lacks has none.
func catCols(f animetl.ListFile) []catCol {
	var cols []catCol
	for i, r := range dataset.CatalogueRules(f.Load.Kind) {
		pos, ok := f.Pos[r.Column]
		if !ok || pos < 0 {
			continue
		}
		cols = append(cols, catCol{A: fmt.Sprintf("c%d", i), Column: r.Column, Kind: r.Kind, Min: r.Min, Max: r.Max, Pos: pos})
	}
	return cols
}

func newCatParams(table, location, view string, f animetl.ListFile) (catParams, error) {
	p := catParams{
		Table: table, Location: location, View: view, Fields: f.Fields,
		MaxRecordBytes: dataset.DefaultMaxRecordBytes, RawHead: animetl.MaxRawBytes + 1,
		Cols:   catCols(f),
		Months: mapLiteral(dataset.AiredMonths()), Seasons: mapLiteral(dataset.PremieredSeasons()),
		Placeholders: dataset.SynopsisPlaceholders(),
		BOMRE:        bomRE, CRRE: crRE, RecordRE: recordRE(f.Fields), LineRE: catLineRE,
		FieldRE: catExtractRE, AfterQuoteRE: catAfterQuoteRE, QuotedRE: catQuotedRE, JunkRE: catJunkRE,
	}
	key := dataset.RepeatKey(f.Load.Kind)
	for _, c := range p.Cols {
		switch {
		case c.Column == key:
			p.KeyA = c.A
		case c.Kind == dataset.RuleAired:
			p.AiredA = c.A
		}
	}
	if p.KeyA == "" {
		return p, fmt.Errorf("spark: %s: no %s column", f.Load.Info.Name, key)
	}
	return p, nil
}

// mapLiteral renders a Go map as a Spark SQL map literal, keys sorted.
func mapLiteral[V string | int](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		var v string
		switch x := any(m[k]).(type) {
		case string:
			v = sqlString(x)
		case int:
			v = fmt.Sprint(x)
		}
		parts = append(parts, sqlString(k), v)
	}
	return "map(" + strings.Join(parts, ", ") + ")"
}

// isCatalogue reports whether k is a catalogue file's kind.
func isCatalogue(k animetl.Kind) bool {
	return k == animetl.KindAnime || k == animetl.KindSynopsis || k == animetl.KindWatchingStatus
}

// catFolder is the stage folder of a catalogue file's output.
func catFolder(id int16) string { return fmt.Sprintf("catalogue%d", id) }

// cleanCatalogue runs catalogue.sql on one catalogue file (its view v).
func (e *Engine) cleanCatalogue(ctx context.Context, s Session, tag, v string, f animetl.ListFile, out *output) error {
	loc := out.location(catFolder(f.Load.ID))
	table := fmt.Sprintf("%s_catalogue%d", tag, f.Load.ID)
	p, err := newCatParams(table, loc, v, f)
	if err != nil {
		return err
	}
	text, err := render("catalogue.sql", p)
	if err != nil {
		return err
	}
	err = e.job(ctx, "clean "+f.Load.Info.Name, []string{f.Load.Info.Name}, func(ctx context.Context) error { return s.Exec(ctx, text) })
	if derr := s.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+table); err == nil && derr != nil {
		err = derr
	}
	if err != nil {
		return fmt.Errorf("spark: clean %s: %w", f.Load.Info.Name, err)
	}
	out.cats[f.Load.ID] = p.Cols
	return nil
}
