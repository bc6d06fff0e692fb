package spark

import (
	"embed"
	"fmt"
	"strings"
	"text/template"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/dataset"
)

//go:embed sql/*.sql
var sqlFS embed.FS

var sqlTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"str":     sqlString,
	"wsRE":    func() string { return wsRE },
	"trimRE":  func() string { return trimRE },
	"dottedI": func() string { return dottedIRE },
	"kelvin":  func() string { return kelvinRE },
	"utf8RE":  func() string { return utf8SeqRE },
	"sides":   func() []string { return []string{"al", "ar"} },
}).ParseFS(sqlFS, "sql/*.sql"))

// The Go Reader's parse of a line holding a quote, as Java regular
// expressions (the Reader is a state machine; these say the same of one
// line). A field is quoted ("..." with "" for a quote, then perhaps junk up
// to the next comma, which the Reader flags as a character after the
// closing quote), unquoted (not starting with a quote; quotes inside are
// kept), or empty. A line none of whose parses ends outside a quoted field
// is an unterminated quote.
const (
	fieldRE      = `(?:"(?:[^"]|"")*+"(?:[^,"][^,]*+)?|[^,"][^,]*+|)`
	lineRE       = `(?s)^` + fieldRE + `(?:,` + fieldRE + `)*\z`
	extractRE    = `(?s),(` + fieldRE + `)`
	afterQuoteRE = `(?s)^"(?:[^"]|"")*+"[^,]`
	quotedRE     = `(?s)^"((?:[^"]|"")*+)"`
	junkRE       = `(?s)^"(?:[^"]|"")*+"(.*)`
)

// sqlString renders s as a Spark SQL string literal (backslash escapes).
func sqlString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// sqlFile is a file as the templates see it.
type sqlFile struct {
	ID     int16
	Fields int
	Pos    map[string]int
	View   string
}

// classifyParams are the parameters of lists.sql and deletes.sql.
type classifyParams struct {
	Table, Location  string
	Files            []sqlFile
	Rules            []dataset.IntRule
	MaxRecordBytes   int
	RawHead          int
	RawForClean      bool
	LineRE, FieldRE  string
	AfterQuoteRE     string
	QuotedRE, JunkRE string
}

func newClassifyParams(table, location string, files []sqlFile, rules []dataset.IntRule, rawForClean bool) classifyParams {
	return classifyParams{
		Table: table, Location: location, Files: files, Rules: rules,
		MaxRecordBytes: dataset.DefaultMaxRecordBytes, RawHead: animetl.MaxRawBytes + 1, RawForClean: rawForClean,
		LineRE: lineRE, FieldRE: extractRE, AfterQuoteRE: afterQuoteRE, QuotedRE: quotedRE, JunkRE: junkRE,
	}
}

// render executes one of the embedded templates.
func render(name string, data any) (string, error) {
	var b strings.Builder
	if err := sqlTemplates.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("spark: render %s: %w", name, err)
	}
	return b.String(), nil
}
