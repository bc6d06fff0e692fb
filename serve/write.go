package serve

import (
	"net/http"
	"strconv"
	"strings"
)

// gzipMin is the smallest body worth compressing: a smaller one fits one
// TCP segment (a 1500-byte MTU less the headers) whole, so compressing it
// saves no packet and no round trip, only CPU on both ends (it was a fifth
// of the server's time answering per-user recommendations, ~1 KB each).
const gzipMin = 1400

// write sends a rendered answer: 304 when the client has it, gzipped when
// the client takes gzip and the body is worth it (large enough, and asked
// before: worthGzip).
func (s *Server) write(w http.ResponseWriter, r *http.Request, e *entry) {
	if match(r, e.etag) {
		notModified(w, e.etag)
		return
	}
	h := w.Header()
	h.Set("Content-Type", e.contentType)
	h.Set("ETag", e.etag)
	// Browsers and proxies revalidate every time (the ETag makes that
	// cheap), except for assets whose name changes with their content.
	if e.cacheControl != "" {
		h.Set("Cache-Control", e.cacheControl)
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Add("Vary", "Accept-Encoding")
	body := e.body
	if len(body) >= gzipMin && acceptsGzip(r) && e.worthGzip() {
		body = e.gzipped()
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func notModified(w http.ResponseWriter, tag string) {
	h := w.Header()
	h.Set("ETag", tag)
	h.Set("Cache-Control", "no-cache")
	h.Add("Vary", "Accept-Encoding")
	w.WriteHeader(http.StatusNotModified)
}

// match reports whether If-None-Match names tag (or is "*").
func match(r *http.Request, tag string) bool {
	inm := r.Header.Get("If-None-Match")
	if inm == "" {
		return false
	}
	for _, t := range strings.Split(inm, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == tag || t == "*" {
			return true
		}
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q = strings.ReplaceAll(strings.TrimSpace(q), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
