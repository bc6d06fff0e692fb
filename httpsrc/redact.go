package httpsrc

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// redactor removes the secrets of the source URL from text: its query
// string, and its password and query values when they are long enough to be
// hunted for without blanking ordinary text. It is a second line of
// defence: messages are built from URLs without secrets in the first place.
type redactor struct {
	secrets []string // longest first, so a value inside the query is cut whole
}

// Passwords and query values shorter than this are not hunted for in text:
// "v=1" would otherwise blank every digit 1. The whole query string always is.
const minSecretLen = 6

const redacted = "REDACTED"

// newRedactor collects the secrets of raw without needing it to parse.
func newRedactor(raw string) *redactor {
	r := &redactor{}
	rest := raw
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		r.add(rest[i+1:])
		rest = rest[:i]
	}
	if userinfo, _, ok := cutUserinfo(rest); ok {
		if _, pass, ok := strings.Cut(userinfo, ":"); ok {
			r.addValue(pass)
		}
	}
	if u, err := url.Parse(raw); err == nil {
		r.addURL(u)
	}
	return r
}

// addURL adds the secrets of a parsed URL, decoded and encoded.
func (r *redactor) addURL(u *url.URL) {
	if pass, ok := u.User.Password(); ok {
		r.addValue(pass)
		r.addValue(url.PathEscape(pass))
		r.addValue(url.QueryEscape(pass))
	}
	r.add(u.RawQuery)
	for _, vs := range u.Query() {
		for _, v := range vs {
			r.addValue(v)
			r.addValue(url.QueryEscape(v))
		}
	}
}

func (r *redactor) addValue(secret string) {
	if len(secret) >= minSecretLen {
		r.add(secret)
	}
}

func (r *redactor) add(secret string) {
	if secret == "" || slices.Contains(r.secrets, secret) {
		return
	}
	r.secrets = append(r.secrets, secret)
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
}

var (
	urlUserinfo = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@"'?#]*@`)
	urlQuery    = regexp.MustCompile(`(?i)(\b[a-z][a-z0-9+.-]*://[^\s"'?#]*)[?#][^\s"']*`)
)

// redact returns s without the known secrets, and without the userinfo and
// query string of any URL in it (a redirect target's signature, say).
func (r *redactor) redact(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, redacted)
	}
	s = urlUserinfo.ReplaceAllString(s, "$1")
	return urlQuery.ReplaceAllString(s, "$1")
}

// rawURL shows a URL that may not parse without its userinfo and query.
func (r *redactor) rawURL(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	if _, rest, ok := cutUserinfo(raw); ok {
		raw = rest
	}
	return r.redact(raw)
}

// cutUserinfo splits "scheme://user:pass@host/path" into the userinfo and
// the URL without it.
func cutUserinfo(raw string) (userinfo, rest string, ok bool) {
	i := strings.Index(raw, "://")
	if i < 0 {
		return "", raw, false
	}
	auth := raw[i+3:]
	if j := strings.IndexByte(auth, '/'); j >= 0 {
		auth = auth[:j]
	}
	at := strings.LastIndexByte(auth, '@')
	if at < 0 {
		return "", raw, false
	}
	return auth[:at], raw[:i+3] + raw[i+3+at+1:], true
}

// safeError is an error whose message has been redacted; it still unwraps
// to the cause, so errors.Is and errors.As see through it.
type safeError struct {
	msg string
	err error
}

func (e *safeError) Error() string { return e.msg }
func (e *safeError) Unwrap() error { return e.err }

// wrap prefixes err with the package name and redacts its message.
func (s *Source) wrap(err error) error {
	if err == nil {
		return nil
	}
	return &safeError{msg: "httpsrc: " + s.redactor.redact(err.Error()), err: err}
}
