package dataset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/bits"
	"unicode/utf8"

	"github.com/animetl/animetl"
)

// ScanLimits bound what ScanList holds for the lines it decodes itself.
type ScanLimits struct {
	// SlowLines is the most non-blank lines the Go decoder may take;
	// past it the file is not worth a warehouse's own reading.
	SlowLines int
	// BlankLines is the most blank lines the line numbering may skip.
	BlankLines int
}

// DefaultScanLimits are the limits of a run.
var DefaultScanLimits = ScanLimits{SlowLines: 1 << 16, BlankLines: 64}

// ListScan is what ScanList found in a list file.
type ListScan struct {
	// Layout is the file's header as ReadListLayout maps it.
	Layout ListLayout
	// Rows counts the records after the header, as Result.Rows does.
	Rows int64
	// Unsafe says why a warehouse must not read the file itself (the Go
	// decoders read it whole instead); empty when it may. The scan stops
	// at the first reason.
	Unsafe string
	// Direct is what the warehouse needs to load the clean lines and prove
	// them, when Unsafe is empty.
	Direct animetl.DirectList
}

// ListSums are two 128-bit sums over the clean lines of a list file, each
// line's number times an exact encoding of its values: a row moved to
// another line, changed, missing or extra changes them. ListSumsSQL
// computes the same sums in SQL.
type ListSums struct {
	keys, vals sum128
}

type sum128 struct{ hi, lo uint64 }

func (s *sum128) addMul(a, b uint64) {
	hi, lo := bits.Mul64(a, b)
	var c uint64
	s.lo, c = bits.Add64(s.lo, lo, 0)
	s.hi += hi + c
}

func (s sum128) String() string {
	v := new(big.Int).SetUint64(s.hi)
	v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(s.lo))
	return v.String()
}

// add adds a clean line: values user_id, anime_id, rating,
// watching_status, watched_episodes within ListRules.
func (s *ListSums) add(line int64, v [5]int64) {
	s.keys.addMul(uint64(line), uint64(v[0])|uint64(v[1])<<31)
	s.vals.addMul(uint64(line), uint64(v[2])|uint64(v[3])<<4|uint64(v[4])<<19)
}

// Text returns the two sums as decimal text.
func (s ListSums) Text() [2]string { return [2]string{s.keys.String(), s.vals.String()} }

// ListSumsSQL returns SQL aggregates of the two sums (decimal text) over
// integer columns holding the values and the line; rating is 0 when not
// rated.
func ListSumsSQL(user, anime, rating, status, episodes, line string) (string, string) {
	f := func(expr string) string {
		return fmt.Sprintf("CAST(coalesce(sum(CAST(%s AS HUGEINT) * (%s)), 0) AS VARCHAR)", line, expr)
	}
	return f(fmt.Sprintf("CAST(%s AS HUGEINT) + CAST(%s AS HUGEINT) * 2147483648", user, anime)),
		f(fmt.Sprintf("CAST(%s AS HUGEINT) + CAST(%s AS HUGEINT) * 16 + CAST(%s AS HUGEINT) * 524288", rating, status, episodes))
}

// ScanList reads a plain list file (UTF-8 with LF line ends) once, in
// order, to let a warehouse's own CSV reader load its clean majority: a
// line of decimal digits and commas only, with the header's field count
// and every list column within its rule (ListRules), is clean and goes to
// fast; every other line is decoded here, exactly as DecodeAnimeList
// decodes it, into slow or reject. fast and slow together see every
// loaded entry in file order. A file the warehouse's reader could number
// differently (UTF-16, any CR, invalid UTF-8 or NUL bytes in a line the Go
// decoder takes, over-long lines, more slow or blank lines than lim
// allows) stops the scan with ListScan.Unsafe set; the caller then
// decodes the file as before and must drop what the scan emitted. Errors
// are I/O errors and header errors (wrapping animetl.ErrHeader).
func ScanList(r io.Reader, file string, lim ScanLimits, fast, slow func(animetl.ListEntry), reject func(*animetl.RowError)) (ListScan, error) {
	var s ListScan
	br := bufio.NewReaderSize(r, readerBufSize)
	head, err := peek(br)
	if err != nil {
		return s, fmt.Errorf("%s: %w", file, err)
	}
	if utf16Decoder(head) != nil || crOnly(head) {
		s.Unsafe = "UTF-16 or CR-only text"
		return s, nil
	}
	hl, err := readHeaderLine(br)
	if err != nil {
		return s, fmt.Errorf("%s: %w", file, err)
	}
	if hl == nil {
		return s, fmt.Errorf("%s: empty file, no header: %w", file, animetl.ErrHeader)
	}
	hl = bytes.TrimSuffix(hl, []byte{'\n'})
	if bytes.IndexByte(hl, '\r') >= 0 {
		s.Unsafe = "CR in the header line"
		return s, nil
	}
	hr := NewReader(bytes.NewReader(hl))
	hr.SingleLine = true
	rec, err := hr.Next()
	if err != nil {
		return s, fmt.Errorf("%s: empty file, no header: %w", file, animetl.ErrHeader)
	}
	h, err := mapHeader(file, rec, animeListSpec)
	if err != nil {
		return s, err
	}
	s.Layout = ListLayout{Plain: true, Fields: h.n, Pos: map[string]int{}, Ignored: h.extra}
	for _, r := range ListRules {
		s.Layout.Pos[r.Column] = h.col(r.Column)
	}
	d := &s.Direct
	d.Fields, d.Pos = h.n, s.Layout.Pos
	c := newListCleaner(h)
	cols := [5]int{c.user, c.anime, c.rating, c.status, c.episodes}
	fields := make([][]byte, 0, h.n)
	var sums ListSums
	line, ord := int64(1), int64(0)
	for {
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			s.Unsafe = fmt.Sprintf("line %d longer than %d bytes", line+1, readerBufSize)
			return s, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return s, fmt.Errorf("%s: read line %d: %w", file, line+1, err)
		}
		eof := err != nil
		if eof && len(b) == 0 {
			d.Sums = sums.Text()
			return s, nil
		}
		line++
		b = bytes.TrimSuffix(b, []byte{'\n'})
		if bytes.IndexByte(b, '\r') >= 0 {
			s.Unsafe = fmt.Sprintf("CR in line %d", line)
			return s, nil
		}
		s.Rows++
		if len(b) == 0 {
			if len(d.BlankAfter) >= lim.BlankLines {
				s.Unsafe = fmt.Sprintf("more than %d blank lines", lim.BlankLines)
				return s, nil
			}
			d.BlankAfter = append(d.BlankAfter, ord)
			reject(NewRowError(file, &Record{Line: line, Raw: b}, "", ProblemBlank))
			continue
		}
		ord++
		if v, ok := fastLine(b, fields[:0], h.n, cols); ok {
			d.Rows++
			d.LineSum += line
			sums.add(line, v)
			fast(animetl.ListEntry{Line: line, UserID: int32(v[0]), AnimeID: int32(v[1]),
				Rating: int16(v[2]), Status: int16(v[3]), Episodes: int32(v[4])})
			continue
		}
		switch {
		case len(d.Skip) >= lim.SlowLines:
			s.Unsafe = fmt.Sprintf("more than %d lines to decode one by one", lim.SlowLines)
			return s, nil
		case !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0:
			s.Unsafe = fmt.Sprintf("invalid UTF-8 or NUL in line %d", line)
			return s, nil
		case len(b) > DefaultMaxRecordBytes:
			s.Unsafe = fmt.Sprintf("line %d too long", line)
			return s, nil
		}
		d.Skip = append(d.Skip, ord)
		rd := NewReaderAt(bytes.NewReader(b), line)
		rd.SingleLine, rd.FieldsPerRecord = true, h.n
		rec, err := rd.Next()
		if err != nil {
			return s, fmt.Errorf("%s: line %d: %w", file, line, err)
		}
		e, ferr := cleanRecord[animetl.ListEntry](rec, h.n, c)
		if ferr != nil {
			reject(NewRowError(file, rec, ferr.column, ferr.reason))
			continue
		}
		slow(e)
	}
}

// fastLine parses a clean line: fields of decimal digits only (the list
// columns 1 to 18 digits within their rules), n of them. Anything else is
// left to the decoder.
func fastLine(b []byte, fields [][]byte, n int, cols [5]int) ([5]int64, bool) {
	var v [5]int64
	for _, ch := range b {
		if (ch < '0' || ch > '9') && ch != ',' {
			return v, false
		}
	}
	fields = splitFields(fields, b)
	if len(fields) != n {
		return v, false
	}
	for i, col := range cols {
		x, ok := fastInt(fields[col])
		if !ok || x < ListRules[i].Min || x > ListRules[i].Max {
			return v, false
		}
		v[i] = x
	}
	return v, true
}
