package animetl

import (
	"strings"
)

// MaxDBMessageBytes bounds the database's own message in a StatementError.
const MaxDBMessageBytes = 300

// StatementError is a failed SQL statement of a warehouse adapter. Its
// message is one line: the step the statement performs ("build anime_stats",
// "fill etl_table"), named from the statement, and the first line of the
// database's message, capped at MaxDBMessageBytes. The statement itself and
// the database's further lines (DuckDB's "LINE 1: ..." and caret lines)
// stay out of it; Statement keeps it for a debug log. Unwrap gives the
// driver's error for errors.As.
type StatementError struct {
	Step      string
	Statement string
	Err       error
}

// NewStatementError wraps the error of running stmt.
func NewStatementError(stmt string, err error) *StatementError {
	return &StatementError{Step: StatementStep(stmt), Statement: stmt, Err: err}
}

// Error implements error.
func (e *StatementError) Error() string {
	return e.Step + ": " + FirstLine(e.Err.Error(), MaxDBMessageBytes)
}

// Unwrap returns the driver's error.
func (e *StatementError) Unwrap() error { return e.Err }

// FirstLine returns the first non-blank line of msg, cut to at most n bytes
// at a rune boundary and marked with ClipMark when cut.
func FirstLine(msg string, n int) string {
	msg = strings.TrimLeft(msg, " \t\r\n")
	if i := strings.IndexAny(msg, "\r\n"); i >= 0 {
		msg = msg[:i]
	}
	s, cut := cutAt(msg, n)
	if cut {
		s += ClipMark
	}
	return s
}

// StatementStep names what a SQL statement does, in lower-case words and
// without its text: "build anime_stats" for CREATE TABLE anime_stats AS ...,
// "fill etl_table" for INSERT INTO etl_table, "query" for a SELECT. Comments
// before the statement are skipped. An unrecognised statement is named by
// its first keyword.
func StatementStep(stmt string) string {
	w := sqlWords(stmt, 12)
	if len(w) == 0 {
		return "empty statement"
	}
	at := func(i int) string {
		if i < len(w) {
			return w[i]
		}
		return ""
	}
	// name returns the object name at or after i, past IF [NOT] EXISTS.
	name := func(i int) string {
		for at(i) == "if" || at(i) == "not" || at(i) == "exists" {
			i++
		}
		return at(i)
	}
	join := func(verb, obj string) string {
		if obj == "" {
			return verb
		}
		return verb + " " + obj
	}
	switch w[0] {
	case "create":
		i := 1
		for at(i) == "or" || at(i) == "replace" || at(i) == "temp" || at(i) == "temporary" ||
			at(i) == "unlogged" || at(i) == "unique" {
			i++
		}
		switch at(i) {
		case "table":
			return join("build", name(i+1))
		case "view":
			return join("build view", name(i+1))
		case "index":
			return join("index", name(i+1))
		case "schema":
			return join("make schema", name(i+1))
		}
		return join("make", at(i))
	case "insert":
		i := 1
		for at(i) == "or" || at(i) == "replace" || at(i) == "ignore" {
			i++
		}
		if at(i) == "into" {
			i++
		}
		return join("fill", at(i))
	case "update":
		return join("update", at(1))
	case "delete":
		if at(1) == "from" {
			return join("delete from", at(2))
		}
		return "delete"
	case "drop", "alter", "truncate":
		i := 1
		if at(i) == "table" || at(i) == "view" || at(i) == "schema" || at(i) == "index" {
			i++
		}
		return join(w[0], name(i))
	case "select", "with", "values":
		return "query"
	}
	return w[0]
}

// sqlWords returns the first max words of a statement, lower-cased, with
// comments skipped and punctuation dropped; quoted identifiers lose their quotes.
func sqlWords(stmt string, max int) []string {
	var words []string
	s := stmt
	for len(s) > 0 && len(words) < max {
		switch {
		case strings.HasPrefix(s, "--"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return words
			}
			s = s[i+1:]
			continue
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s[2:], "*/")
			if i < 0 {
				return words
			}
			s = s[i+4:]
			continue
		}
		c := s[0]
		if !isWordByte(c) {
			if c == '(' || c == ';' {
				return words // the object name comes before any parenthesis
			}
			s = s[1:]
			continue
		}
		j := 0
		for j < len(s) && (isWordByte(s[j]) || s[j] == '.') {
			j++
		}
		words = append(words, strings.ToLower(s[:j]))
		s = s[j:]
	}
	return words
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// StatementKeyword is the first word of a statement, upper-cased and cut
// to 20 bytes, to name a refused statement without echoing it.
func StatementKeyword(q string) string {
	f := strings.Fields(q)
	if len(f) == 0 {
		return "empty"
	}
	w := strings.ToUpper(f[0])
	if len(w) > 20 {
		w = w[:20]
	}
	return w
}
