package serve

import (
	"bytes"
	"compress/gzip"
	"sync"
	"sync/atomic"
	"time"
)

// entry is a rendered response body.
type entry struct {
	contentType string
	etag        string
	body        []byte
	// expires, when not zero, ends the entry's life before the next
	// publish does: for pages that read the ledger, which changes between
	// publishes.
	expires time.Time
	// cacheControl, when not empty, replaces the default "no-cache".
	cacheControl string

	gzOnce sync.Once
	gz     []byte
	// asked counts the times the entry was sent, up to 2: see worthGzip.
	asked atomic.Int32
}

// worthGzip says whether to send the entry compressed: not the first time
// it is sent. An answer asked once (a user's own recommendations, a random
// anime) then costs no compression on the server and none on the client,
// which made up a fifth of the server's time on such answers; an answer
// asked again is compressed once and sent compressed from then on.
func (e *entry) worthGzip() bool {
	if e.asked.Load() >= 2 {
		return true
	}
	return e.asked.Add(1) >= 2
}

// gzipped returns the body gzipped, compressing it once: a cached answer
// is sent compressed from these bytes ever after.
func (e *entry) gzipped() []byte {
	e.gzOnce.Do(func() { e.gz = gzipBytes(e.body) })
	return e.gz
}

// gzipWriters keeps compressors for reuse: a new one allocates ~1 MB,
// which made the garbage collector the profile's largest item.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// gzipBytes compresses b at gzip.BestSpeed: answers are JSON, CSV and HTML
// of a few KB, where BestSpeed compresses nearly as well at a third of
// the time.
func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b)/3 + 64)
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(&out)
	w.Write(b)
	w.Close()
	gzipWriters.Put(w)
	return out.Bytes()
}

// size counts the body twice: once plain, once (at most) gzipped.
func (e *entry) size() int64 { return 2*int64(len(e.body)) + 256 }

// cache holds the responses of one published run, keyed by the canonical
// request. A response of another run empties it: a publish invalidates
// every answer at once, and the old run's answers are never served again.
// It holds at most max bytes of bodies; past that it drops entries at
// random (Go's map order), which keeps the hot ones likely.
type cache struct {
	max int64

	mu    sync.RWMutex
	run   string
	m     map[string]*entry
	bytes int64
}

func newCache(max int64) *cache { return &cache{max: max, m: map[string]*entry{}} }

func (c *cache) get(run, key string) *entry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.run != run {
		return nil
	}
	return c.m[key]
}

// getAt is get for entries that may expire: nil once now reaches the
// entry's expiry.
func (c *cache) getAt(run, key string, now time.Time) *entry {
	e := c.get(run, key)
	if e == nil || (!e.expires.IsZero() && !now.Before(e.expires)) {
		return nil
	}
	return e
}

func (c *cache) put(run, key string, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.run != run {
		c.run, c.m, c.bytes = run, map[string]*entry{}, 0
	}
	if old, ok := c.m[key]; ok {
		c.bytes -= old.size()
	}
	for k, v := range c.m {
		if c.bytes+e.size() <= c.max {
			break
		}
		delete(c.m, k)
		c.bytes -= v.size()
	}
	if e.size() > c.max {
		return
	}
	c.m[key] = e
	c.bytes += e.size()
}

// len returns the number of cached responses.
func (c *cache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
