package animetl

import (
	"net/url"
	"slices"
	"sort"
	"strings"
)

// Redacted replaces a secret value in a displayed location or message.
const Redacted = "REDACTED"

// safeParams are the query parameters and libpq keywords whose values are
// shown: they say where and how to connect, never who may.
var safeParams = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "user": true, "dbname": true,
	"sslmode": true, "search_path": true, "application_name": true,
	"connect_timeout": true, "target_session_attrs": true,
	"pool_max_conns": true, "pool_min_conns": true,
}

// RedactLocation returns a warehouse or source location fit to print, log
// and store: it is rebuilt from its safe parts (scheme, user, host, port,
// path, and the query parameters in a short allow-list such as sslmode and
// search_path); a password is dropped and every other query value becomes
// REDACTED. A libpq keyword string (host=h password=p) keeps its safe
// keywords and masks the rest. Text that is neither (a folder, duckdb:PATH)
// is returned as is.
func RedactLocation(raw string) string {
	if !strings.Contains(raw, "://") {
		if looksLikeKeywords(raw) {
			return redactKeywords(raw)
		}
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		// Show what is left without userinfo, query and fragment.
		return stripURL(raw)
	}
	out := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	if u.User != nil && u.User.Username() != "" {
		out.User = url.User(u.User.Username())
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			out.RawQuery = Redacted
		} else {
			out.RawQuery = redactQuery(q)
		}
	}
	return out.String()
}

// redactQuery encodes q with unsafe values masked, keys sorted.
func redactQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			if !safeParams[strings.ToLower(k)] {
				v = Redacted
			}
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
		}
	}
	return b.String()
}

// libpqKeywords are the libpq connection keywords a keyword string may
// start with; other text holding "=" (a folder named date=2024-01-01) is
// not one.
var libpqKeywords = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "user": true, "dbname": true,
	"password": true, "passfile": true, "service": true, "sslmode": true,
	"sslkey": true, "sslcert": true, "sslrootcert": true, "sslpassword": true,
	"options": true, "application_name": true, "connect_timeout": true,
	"target_session_attrs": true, "search_path": true,
}

// looksLikeKeywords reports whether s starts like a libpq keyword string.
func looksLikeKeywords(s string) bool {
	k, _, ok := strings.Cut(strings.TrimSpace(s), "=")
	return ok && libpqKeywords[strings.ToLower(strings.TrimSpace(k))]
}

// keyword is one key=value pair of a libpq keyword string.
type keyword struct{ key, value string }

// splitKeywords parses "k=v k2='quoted value'" leniently.
func splitKeywords(s string) []keyword {
	var out []keyword
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		k, rest, ok := strings.Cut(s, "=")
		if !ok {
			return append(out, keyword{key: s})
		}
		k = strings.TrimSpace(k)
		rest = strings.TrimLeft(rest, " ")
		var v strings.Builder
		if strings.HasPrefix(rest, "'") {
			i := 1
			for ; i < len(rest) && rest[i] != '\''; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				v.WriteByte(rest[i])
			}
			s = rest[min(i+1, len(rest)):]
		} else {
			end := strings.IndexAny(rest, " \t\n")
			if end < 0 {
				end = len(rest)
			}
			v.WriteString(rest[:end])
			s = rest[end:]
		}
		out = append(out, keyword{key: k, value: v.String()})
	}
	return out
}

func redactKeywords(s string) string {
	kws := splitKeywords(s)
	parts := make([]string, 0, len(kws))
	for _, kw := range kws {
		v := kw.value
		if !safeParams[strings.ToLower(kw.key)] {
			v = Redacted
		}
		if strings.ContainsAny(v, " '\\") || v == "" {
			v = "'" + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), "'", `\'`) + "'"
		}
		parts = append(parts, kw.key+"="+v)
	}
	return strings.Join(parts, " ")
}

// stripURL cuts the userinfo, query and fragment off a URL that does not parse.
func stripURL(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	scheme, rest, _ := strings.Cut(raw, "://")
	host, path, _ := strings.Cut(rest, "/")
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	if path != "" || strings.HasSuffix(rest, "/") {
		return scheme + "://" + host + "/" + path
	}
	return scheme + "://" + host
}

// Secrets returns the secret parts of a location: its password, its query
// string and every query value or libpq keyword value outside the
// allow-list, raw and decoded, longest first. Values shorter than four
// bytes are left out, so hunting for them never blanks ordinary text.
func Secrets(raw string) []string {
	var out []string
	add := func(s string, minLen int) {
		if len(s) >= minLen && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	const minLen = 4
	if !strings.Contains(raw, "://") {
		if looksLikeKeywords(raw) {
			for _, kw := range splitKeywords(raw) {
				if !safeParams[strings.ToLower(kw.key)] {
					add(kw.value, minLen)
				}
			}
		}
	} else {
		rest := raw
		if i := strings.IndexByte(rest, '#'); i >= 0 {
			add(rest[i+1:], 1)
			rest = rest[:i]
		}
		if i := strings.IndexByte(rest, '?'); i >= 0 {
			query := rest[i+1:]
			add(query, 1)
			rest = rest[:i]
			if q, err := url.ParseQuery(query); err == nil {
				for k, vs := range q {
					if safeParams[strings.ToLower(k)] {
						continue
					}
					for _, v := range vs {
						add(v, minLen)
						add(url.QueryEscape(v), minLen)
					}
				}
			}
		}
		_, auth, _ := strings.Cut(rest, "://")
		auth, _, _ = strings.Cut(auth, "/")
		if at := strings.LastIndexByte(auth, '@'); at >= 0 {
			if _, pass, ok := strings.Cut(auth[:at], ":"); ok {
				add(pass, minLen)
				if dec, err := url.PathUnescape(pass); err == nil {
					add(dec, minLen)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// RedactText removes the secrets of the location raw from text, raw itself
// first (replaced by its RedactLocation form). It is the second line of
// defence for messages of libraries that may quote what they were given.
func RedactText(text, raw string) string {
	if raw == "" {
		return text
	}
	text = strings.ReplaceAll(text, raw, RedactLocation(raw))
	for _, s := range Secrets(raw) {
		text = strings.ReplaceAll(text, s, Redacted)
	}
	return text
}

// redactedError is an error whose message had secrets removed; it unwraps
// to the cause, so errors.Is and errors.As still see through it.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// RedactError returns err with the secrets of the location raw removed
// from its message, or err itself when its message holds none. It unwraps
// to err.
func RedactError(err error, raw string) error {
	if err == nil {
		return nil
	}
	msg := RedactText(err.Error(), raw)
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}
