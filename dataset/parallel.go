package dataset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/animetl/animetl"
)

// ListOptions tune DecodeAnimeListParallel. Zero values take the defaults.
type ListOptions struct {
	// Workers decode blocks at once (default GOMAXPROCS).
	Workers int
	// BlockSize is the size of the blocks the input is cut into (default 4 MiB).
	BlockSize int
	// ByAnime orders each user's run of entries within a block by anime id
	// (KeyOrder), where a warehouse builds its key faster from rows in key
	// order; repeated keys keep their file order.
	ByAnime bool
}

// DefaultBlockSize is the default ListOptions.BlockSize.
const DefaultBlockSize = 4 << 20

// listBlock is a run of whole lines of the input and what decoding found.
type listBlock struct {
	first   int64 // number of the block's first line
	lines   int   // its line ends, when counted (0: not counted)
	data    []byte
	done    chan struct{}
	entries []animetl.ListEntry
	rejects []*animetl.RowError
	rows    int64
}

// DecodeAnimeListParallel decodes a list file (animelist.csv or a delta of
// its layout) on several cores: one goroutine cuts the input into blocks of
// whole lines and numbers them, Workers goroutines decode and clean blocks,
// and the calling goroutine receives each block's clean entries (emit, which
// owns the slice) and its rejects, block by block in file order. Records are
// single lines (a quote cannot span lines in a list file), which is what
// makes the cut exact; the result equals DecodeAnimeList's. Memory is about
// (Workers+2) blocks. Errors are as for DecodeAnimeList.
func DecodeAnimeListParallel(r io.Reader, file string, opts ListOptions, emit func([]animetl.ListEntry) error, reject func(*animetl.RowError) error) (Result, error) {
	var res Result
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.BlockSize <= 0 {
		opts.BlockSize = DefaultBlockSize
	}
	br, err := openText(r, 64<<10)
	if err != nil {
		return res, fmt.Errorf("%s: %w", file, err)
	}
	headLine, err := readHeaderLine(br)
	if err != nil {
		return res, fmt.Errorf("%s: %w", file, err)
	}
	if headLine == nil {
		return res, fmt.Errorf("%s: empty file, no header: %w", file, animetl.ErrHeader)
	}
	hr := NewReader(bytes.NewReader(headLine))
	rec, err := hr.Next()
	if err != nil {
		return res, fmt.Errorf("%s: empty file, no header: %w", file, animetl.ErrHeader)
	}
	h, err := mapHeader(file, rec, animeListSpec)
	if err != nil {
		return res, err
	}
	res.Indexed, res.Ignored = h.indexed, h.extra

	done := make(chan struct{})
	defer close(done)
	work := make(chan *listBlock)
	order := make(chan *listBlock, opts.Workers+1)
	cutErr := make(chan error, 1)
	// The blocks' bytes are garbage once decoded (entries hold numbers, a
	// reject a copy of its line): the workers hand them back for the next
	// blocks, which spares the garbage collector 144 MB per 8M lines.
	free := make(chan []byte, opts.Workers+2)
	go func() {
		defer close(work)
		defer close(order)
		cutErr <- cutBlocks(br, opts.BlockSize, free, func(b *listBlock) bool {
			select {
			case order <- b:
			case <-done:
				return false
			}
			select {
			case work <- b:
				return true
			case <-done:
				return false
			}
		})
	}()
	for range opts.Workers {
		go func() {
			var buf []animetl.ListEntry
			for b := range work {
				decodeBlock(b, file, h)
				select {
				case free <- b.data[:0]:
				default:
				}
				b.data = nil
				if opts.ByAnime {
					KeyOrder(b.entries, &buf)
				}
				close(b.done)
			}
		}()
	}
	for b := range order {
		<-b.done
		res.Rows += b.rows
		if len(b.entries) > 0 {
			if err := emit(b.entries); err != nil {
				return res, err
			}
		}
		for _, e := range b.rejects {
			if err := reject(e); err != nil {
				return res, err
			}
		}
	}
	if err := <-cutErr; err != nil {
		return res, fmt.Errorf("%s: %w", file, err)
	}
	return res, nil
}

// readHeaderLine returns the first line with its terminator, nil for an
// empty input.
func readHeaderLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		b, err := br.ReadSlice('\n')
		line = append(line, b...)
		switch {
		case err == nil, errors.Is(err, io.EOF):
			if len(line) == 0 {
				return nil, nil
			}
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			if len(line) > DefaultMaxRecordBytes {
				return nil, fmt.Errorf("header line longer than %d bytes: %w", DefaultMaxRecordBytes, animetl.ErrHeader)
			}
		default:
			return nil, err
		}
	}
}

// cutBlocks reads whole lines into blocks and hands them to send in order,
// until the input ends, a read fails or send returns false. A line longer
// than DefaultMaxRecordBytes is handed on cut (its Reader reports it as too
// long) and the rest of it is skipped, as the sequential Reader does. It
// reads into a buffer from free when one there is large enough: the
// decoders give back the bytes of the blocks they are done with (the
// carried tail of a block may share its buffer: copy moves it first).
func cutBlocks(br *bufio.Reader, size int, free <-chan []byte, send func(*listBlock) bool) error {
	line := int64(2)
	var carry []byte
	skipping := false
	for {
		want := max(size, 2*len(carry))
		var buf []byte
		select {
		case b := <-free:
			if cap(b) >= want {
				buf = b[:len(carry)]
			}
		default:
		}
		if buf == nil {
			buf = make([]byte, len(carry), want)
		}
		copy(buf, carry)
		n, err := io.ReadFull(br, buf[len(carry):cap(buf)])
		buf = buf[:len(carry)+n]
		eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !eof {
			return fmt.Errorf("read line %d: %w", line, err)
		}
		if skipping {
			i := bytes.IndexByte(buf, '\n')
			if i < 0 {
				carry = nil
				if eof {
					return nil
				}
				continue
			}
			buf, skipping = buf[i+1:], false
		}
		if eof {
			if len(buf) > 0 {
				send(&listBlock{first: line, data: buf, done: make(chan struct{})})
			}
			return nil
		}
		cut := bytes.LastIndexByte(buf, '\n')
		if cut < 0 {
			if len(buf) > DefaultMaxRecordBytes {
				// A runaway line: hand on what there is, skip the rest of it.
				if !send(&listBlock{first: line, data: buf, done: make(chan struct{})}) {
					return nil
				}
				line++
				carry, skipping = nil, true
				continue
			}
			carry = buf
			continue
		}
		blk := buf[:cut+1]
		carry = buf[cut+1:]
		lines := bytes.Count(blk, []byte{'\n'})
		if !send(&listBlock{first: line, lines: lines, data: blk, done: make(chan struct{})}) {
			return nil
		}
		line += int64(lines)
	}
}

// decodeBlock decodes and cleans the lines of one block. A line of plain
// digits and commas with the header's field count and values within the
// list rules is decoded here directly (listCleaner.fast); any other line
// goes through the Reader and the cleaner as a block of its own, which gives
// it the same record, line number, reason and raw text it would have had
// in the whole block (records are single lines, so nothing crosses from
// one line to the next).
func decodeBlock(b *listBlock, file string, h *header) {
	c := newListCleaner(h)
	size := len(b.data) / 16
	if b.lines > 0 {
		size = b.lines + 1
	}
	b.entries = make([]animetl.ListEntry, 0, size)
	var (
		rd  *Reader
		src bytes.Reader
	)
	n, data := b.first, b.data
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i+1], data[i+1:]
		} else {
			data = nil
		}
		if e, ok := c.fast(line, h.n); ok {
			e.Line = n
			b.entries = append(b.entries, e)
			b.rows++
			n++
			continue
		}
		src.Reset(line)
		if rd == nil {
			rd = NewReaderAt(&src, n)
			rd.SingleLine = true
			rd.FieldsPerRecord = h.n
		} else {
			rd.resetAt(&src, n)
		}
		n++
		rec, err := rd.Next()
		if err != nil {
			continue // io.EOF: a bytes.Reader cannot fail otherwise
		}
		b.rows++
		v, ferr := cleanRecord[animetl.ListEntry](rec, h.n, c)
		if ferr != nil {
			b.rejects = append(b.rejects, NewRowError(file, rec, ferr.column, ferr.reason))
			continue
		}
		b.entries = append(b.entries, v)
	}
}
