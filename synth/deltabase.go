package synth

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/animetl/animetl"
)

// baseEntry is one line of a base animelist.csv that names a user and an
// anime. Only full entries (every field present, numeric and in range) that
// are the sole line of their (user, anime) pair may be changed or deleted.
type baseEntry struct {
	anime    int32
	rating   int8
	status   int8
	episodes int32
	full     bool // every field present, numeric and in range
	dup      bool // another line of the same user names the same anime
}

// eligible reports whether the entry may be changed or deleted.
func (e baseEntry) eligible() bool { return e.full && !e.dup }

// baseInfo describes a base animelist.csv after a full scan.
type baseInfo struct {
	indexed  bool  // the header starts with the empty index column
	users    int64 // users with at least one keyed line
	maxUser  int64 // largest user id; -1 when there is none
	eligible int64 // entries that may be changed or deleted
}

// baseColumns are the animelist.csv columns the scanner maps by name.
var baseColumns = [...]string{"user_id", "anime_id", "rating", "watching_status", "watched_episodes"}

// baseScanner streams a base animelist.csv user by user. It keeps only the
// current user's lines and a per-anime-id stamp array, so memory does not
// grow with the file.
type baseScanner struct {
	path    string
	r       *bufio.Reader
	cols    [len(baseColumns)]int
	nfields int
	line    int64
	fields  [][]byte
	stamp   uint32
	seen    []uint32        // seen[id] == stamp: the current user has a line for id
	pos     []int32         // index in entries of that line
	over    map[int32]int32 // the same for ids >= maxDeltaAnimeID
	entries []baseEntry     // the current user's keyed lines
	visit   func(int64, []baseEntry) error
	info    baseInfo
}

// scanBase reads the animelist.csv at path once, calling visit with each
// user's keyed lines in file order, users ascending. Lines without a
// non-negative numeric user_id and anime_id (blank, negative, non-numeric)
// are skipped; the base must be grouped by ascending user_id, as the real
// file is, or scanBase fails. visit's slice is reused after it returns.
func scanBase(ctx context.Context, path string, visit func(user int64, entries []baseEntry) error) (baseInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return baseInfo{}, fmt.Errorf("synth: %w: %w", animetl.ErrMissingFile, err)
		}
		return baseInfo{}, fmt.Errorf("synth: %w", err)
	}
	defer f.Close()
	s := &baseScanner{path: path, r: bufio.NewReaderSize(f, 1<<20), stamp: 1, visit: visit, info: baseInfo{maxUser: -1}}
	if err := s.header(); err != nil {
		return baseInfo{}, err
	}
	user := int64(-1)
	for {
		if s.line&ctxCheckMask == 0 {
			if err := ctx.Err(); err != nil {
				return baseInfo{}, err
			}
		}
		b, err := s.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return baseInfo{}, fmt.Errorf("synth: read %s: %w", path, err)
		}
		u, e, ok := s.parse(b)
		if !ok {
			continue
		}
		if u != user {
			if u < user {
				return baseInfo{}, fmt.Errorf("synth: %s line %d: user_id %d after %d: the base must be grouped by ascending user_id", path, s.line, u, user)
			}
			if err := s.flush(user); err != nil {
				return baseInfo{}, err
			}
			user = u
		}
		s.add(e)
	}
	if err := s.flush(user); err != nil {
		return baseInfo{}, err
	}
	return s.info, nil
}

// header reads the header line, notes the layout and maps the columns.
func (s *baseScanner) header() error {
	b, err := s.next()
	if err != nil {
		return fmt.Errorf("synth: %s: header: %w: %w", s.path, animetl.ErrHeader, err)
	}
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	names := strings.Split(string(b), ",")
	s.nfields = len(names)
	s.info.indexed = names[0] == ""
	s.fields = make([][]byte, 0, s.nfields+1)
	for k, want := range baseColumns {
		s.cols[k] = -1
		for i, name := range names {
			if strings.TrimSpace(name) == want {
				s.cols[k] = i
				break
			}
		}
		if s.cols[k] < 0 {
			return fmt.Errorf("synth: %s: no %s column: %w", s.path, want, animetl.ErrHeader)
		}
	}
	return nil
}

// next returns the next line without its line end, counting lines; the
// slice is valid until the next call. Lines longer than the buffer come back
// cut to the buffer: they are hostile anyway and fail to parse.
func (s *baseScanner) next() ([]byte, error) {
	b, err := s.r.ReadSlice('\n')
	for errors.Is(err, bufio.ErrBufferFull) {
		b = b[:0] // drop the rest of an overlong line
		_, err = s.r.ReadSlice('\n')
	}
	if err == io.EOF && len(b) > 0 {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	s.line++
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'}), nil
}

// parse splits line and returns its user and entry; ok is false when it has
// no usable user_id and anime_id.
func (s *baseScanner) parse(line []byte) (user int64, e baseEntry, ok bool) {
	f := s.fields[:0]
	for len(f) <= s.nfields {
		i := bytes.IndexByte(line, ',')
		if i < 0 {
			f = append(f, line)
			break
		}
		f = append(f, line[:i])
		line = line[i+1:]
	}
	s.fields = f
	var v [len(baseColumns)]int64
	full := len(f) == s.nfields
	for k, c := range s.cols {
		var good bool
		if c < len(f) {
			v[k], good = parseInt(f[c])
		}
		if !good && k < 2 {
			return 0, e, false
		}
		full = full && good
	}
	if v[0] < 0 || v[1] < 0 || v[1] > 1<<31-1 {
		return 0, e, false
	}
	e.anime = int32(v[1])
	e.full = full && v[2] >= 0 && v[2] <= 10 && v[3] >= 0 && v[3] <= 6 && v[4] >= 0 && v[4] <= 1<<31-1
	if e.full {
		e.rating, e.status, e.episodes = int8(v[2]), int8(v[3]), int32(v[4])
	}
	return v[0], e, true
}

// parseInt parses an optionally negative decimal integer of at most 18
// digits without allocating.
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// add appends a keyed line of the current user, marking it and any earlier
// line for the same anime as duplicates.
func (s *baseScanner) add(e baseEntry) {
	i := int32(len(s.entries))
	id := e.anime
	if id < maxDeltaAnimeID {
		if int(id) >= len(s.seen) {
			n := max(int(id)+1, 2*len(s.seen), 1<<16)
			s.seen = append(s.seen, make([]uint32, n-len(s.seen))...)
			s.pos = append(s.pos, make([]int32, n-len(s.pos))...)
		}
		if s.seen[id] == s.stamp {
			e.dup = true
			s.entries[s.pos[id]].dup = true
		} else {
			s.seen[id], s.pos[id] = s.stamp, i
		}
	} else {
		if s.over == nil {
			s.over = map[int32]int32{}
		}
		if j, ok := s.over[id]; ok {
			e.dup = true
			s.entries[j].dup = true
		} else {
			s.over[id] = i
		}
	}
	s.entries = append(s.entries, e)
}

// flush hands the current user's lines to visit, counts them and resets the
// per-user state; user -1 means no user yet.
func (s *baseScanner) flush(user int64) error {
	if user < 0 {
		return nil
	}
	s.info.users++
	s.info.maxUser = max(s.info.maxUser, user)
	for _, e := range s.entries {
		if e.eligible() {
			s.info.eligible++
		}
	}
	err := s.visit(user, s.entries)
	s.entries = s.entries[:0]
	s.stamp++
	if s.stamp == 0 { // wrapped: old stamps could match again
		clear(s.seen)
		s.stamp = 1
	}
	if len(s.over) > 0 {
		clear(s.over)
	}
	return err
}
