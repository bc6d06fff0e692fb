package serve

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// params validates a request's query string. The first bad parameter is
// kept as a 400 error naming it; parameters a route does not know are bad
// too, so a typo never passes silently and the cache cannot be flooded with
// meaningless keys.
type params struct {
	v     url.Values
	known map[string]bool
	err   *apiError
	canon []string
	// lenient pages ignore parameters they do not know (a shared link
	// carries utm_source and the like) and pairs that do not parse; the
	// API refuses both, naming them.
	lenient bool
}

// newParams reads the API's parameters: a query string that does not
// parse is a 400, as an unknown parameter is.
func newParams(r *http.Request, list bool) *params {
	v, err := url.ParseQuery(r.URL.RawQuery)
	p := &params{v: v, known: map[string]bool{}}
	if err != nil {
		p.fail("query", "the query string does not parse: %v", err)
	}
	if list {
		p.enum("format", "json", "json", "csv")
	}
	return p
}

func (p *params) fail(name, format string, args ...any) {
	if p.err == nil {
		p.err = badParam(name, fmt.Sprintf(format, args...))
	}
}

func (p *params) raw(name string) (string, bool) {
	p.known[name] = true
	vs, ok := p.v[name]
	if !ok {
		return "", false
	}
	if len(vs) > 1 {
		p.fail(name, "%s: given %d times, want once", name, len(vs))
		return "", false
	}
	return vs[0], true
}

// int reads an integer parameter; values above max are capped to max.
func (p *params) int(name string, def, lo, hi int) int {
	s, ok := p.raw(name)
	n := def
	if ok {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			p.fail(name, "%s %q: want a whole number", name, s)
			return def
		}
		if v < lo {
			p.fail(name, "%s %d: want %d or more", name, v, lo)
			return def
		}
		n = min(v, hi)
	}
	p.canon = append(p.canon, name+"="+strconv.Itoa(n))
	return n
}

// str reads a text parameter of at most maxLen characters.
func (p *params) str(name string, required bool, maxLen int) string {
	s, ok := p.raw(name)
	s = strings.TrimSpace(s)
	switch {
	case required && s == "":
		p.fail(name, "%s: required", name)
	case !utf8.ValidString(s):
		p.fail(name, "%s: not valid UTF-8", name)
	case utf8.RuneCountInString(s) > maxLen:
		p.fail(name, "%s: longer than %d characters", name, maxLen)
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		p.fail(name, "%s: control characters are not allowed", name)
	}
	if p.err != nil {
		return ""
	}
	if ok {
		p.canon = append(p.canon, name+"="+url.QueryEscape(s))
	}
	return s
}

func (p *params) enum(name, def string, allowed ...string) string {
	s, ok := p.raw(name)
	if !ok {
		return def
	}
	for _, a := range allowed {
		if s == a {
			if s != def {
				p.canon = append(p.canon, name+"="+s)
			}
			return s
		}
	}
	p.fail(name, "%s %q: want one of %s", name, s, strings.Join(allowed, ", "))
	return def
}

// done reports the first bad parameter, or an unknown one.
// newPageParams reads a dashboard page's parameters, leniently.
func newPageParams(r *http.Request) *params {
	v, _ := url.ParseQuery(r.URL.RawQuery) // the pairs that parse
	return &params{v: v, known: map[string]bool{}, lenient: true}
}

func (p *params) done() *apiError {
	if p.err != nil {
		return p.err
	}
	if p.lenient {
		return nil
	}
	var unknown []string
	for k := range p.v {
		if !p.known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return badParam(unknown[0], fmt.Sprintf("unknown parameter %q", unknown[0]))
	}
	return nil
}

// key is the canonical form of the request: the route and its validated
// parameters in a fixed order, defaults written out.
func (p *params) key(route string) string {
	c := append([]string(nil), p.canon...)
	sort.Strings(c)
	return route + "?" + strings.Join(c, "&")
}

func (p *params) csv() bool { return p.v.Get("format") == "csv" && p.known["format"] }
