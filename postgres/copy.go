package postgres

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/schema"
)

// binaryHeader starts a PostgreSQL binary COPY stream: the signature, no
// flags, no header extension.
var binaryHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// batchEncoder turns batches of records straight into PostgreSQL's binary
// COPY format as they arrive, so a file streams through with one batch in
// memory and no allocation per row. appendRow writes one row (its field
// count and fields); rowSize is an upper bound of its length. Several COPY
// connections may read one channel.
type batchEncoder[T any] struct {
	ctx       context.Context
	in        <-chan []T
	appendRow func(b []byte, r *T) []byte
	rowSize   int
	buf       []byte
	off       int
	state     int // 0 header pending, 1 rows, 2 trailer written
}

func (e *batchEncoder[T]) Read(p []byte) (int, error) {
	for e.off >= len(e.buf) {
		e.buf, e.off = e.buf[:0], 0
		switch e.state {
		case 0:
			e.buf = append(e.buf, binaryHeader...)
			e.state = 1
		case 1:
			select {
			case batch, ok := <-e.in:
				if !ok {
					e.buf = binary.BigEndian.AppendUint16(e.buf, 0xffff) // trailer
					e.state = 2
					continue
				}
				e.encode(batch)
			case <-e.ctx.Done():
				return 0, e.ctx.Err()
			}
		default:
			return 0, io.EOF
		}
	}
	n := copy(p, e.buf[e.off:])
	e.off += n
	return n, nil
}

func (e *batchEncoder[T]) encode(batch []T) {
	b := e.buf
	if need := len(batch) * e.rowSize; cap(b)-len(b) < need {
		nb := make([]byte, len(b), len(b)+need)
		copy(nb, b)
		b = nb
	}
	for i := range batch {
		b = e.appendRow(b, &batch[i])
	}
	e.buf = b
}

// listRow encodes a list entry (user_id int4, anime_id int4,
// watching_status int2, rating int2 or NULL, watched_episodes int4, then
// with withFile file_id int2, and line int8): 56 bytes, 50 without file_id.
func listRow(fileID int16, withFile bool) (func(b []byte, r *animetl.ListEntry) []byte, int) {
	be := binary.BigEndian
	fields, size := uint16(6), 50
	if withFile {
		fields, size = 7, 56
	}
	return func(b []byte, r *animetl.ListEntry) []byte {
		b = be.AppendUint16(b, fields)
		b = be.AppendUint32(b, 4)
		b = be.AppendUint32(b, uint32(r.UserID))
		b = be.AppendUint32(b, 4)
		b = be.AppendUint32(b, uint32(r.AnimeID))
		b = be.AppendUint32(b, 2)
		b = be.AppendUint16(b, uint16(r.Status))
		if r.Rating == 0 {
			b = be.AppendUint32(b, 0xffffffff) // NULL: not rated
		} else {
			b = be.AppendUint32(b, 2)
			b = be.AppendUint16(b, uint16(r.Rating))
		}
		b = be.AppendUint32(b, 4)
		b = be.AppendUint32(b, uint32(r.Episodes))
		if withFile {
			b = be.AppendUint32(b, 2)
			b = be.AppendUint16(b, uint16(fileID))
		}
		b = be.AppendUint32(b, 8)
		return be.AppendUint64(b, uint64(r.Line))
	}, size
}

// deleteRow encodes a deletes line (file_id int2, line int8, user_id int4,
// anime_id int4): 42 bytes.
func deleteRow(fileID int16) (func(b []byte, r *animetl.ListDelete) []byte, int) {
	be := binary.BigEndian
	return func(b []byte, r *animetl.ListDelete) []byte {
		b = be.AppendUint16(b, 4)
		b = be.AppendUint32(b, 2)
		b = be.AppendUint16(b, uint16(fileID))
		b = be.AppendUint32(b, 8)
		b = be.AppendUint64(b, uint64(r.Line))
		b = be.AppendUint32(b, 4)
		b = be.AppendUint32(b, uint32(r.UserID))
		b = be.AppendUint32(b, 4)
		return be.AppendUint32(b, uint32(r.AnimeID))
	}, 42
}

// copyBatches runs one binary COPY into table (columns cols, in the order
// appendRow writes them) on conn, reading batches until in is closed, and
// returns the rows the server inserted.
func copyBatches[T any](ctx context.Context, conn *pgxpool.Conn, table pgx.Identifier, cols string,
	in <-chan []T, appendRow func([]byte, *T) []byte, rowSize int) (int64, error) {
	enc := &batchEncoder[T]{ctx: ctx, in: in, appendRow: appendRow, rowSize: rowSize}
	q := fmt.Sprintf("COPY %s (%s) FROM STDIN BINARY", table.Sanitize(), cols)
	tag, err := conn.Conn().PgConn().CopyFrom(ctx, enc, q)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// copyRaw runs one binary COPY of the batches of in into the stage's table
// on a connection of its own, appendRow writing each value's rows (rowSize
// bounds their length, as a hint).
func copyRaw[T any](ctx context.Context, s *stage, table, cols string, in <-chan []T, appendRow func([]byte, *T) []byte, rowSize int) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: copy %s: %w", table, err)
	}
	defer conn.Release()
	if _, err := copyBatches(ctx, conn, pgx.Identifier{s.w.stage, table}, cols, in, appendRow, rowSize); err != nil {
		return fmt.Errorf("postgres: copy %s: %w", table, err)
	}
	return nil
}

// animeTagRows returns the encoder of an anime's rows of anime_tag_load
// (anime_id int4, kind text, position int2, name text), one a list item,
// and a typical length of an anime's rows.
func animeTagRows() (func(b []byte, a *animetl.Anime) []byte, int) {
	be := binary.BigEndian
	var tags []schema.TagValue
	return func(b []byte, a *animetl.Anime) []byte {
		tags = schema.AppendAnimeTags(tags[:0], a)
		for _, t := range tags {
			b = be.AppendUint16(b, 4)
			b = be.AppendUint32(b, 4)
			b = be.AppendUint32(b, uint32(a.ID))
			b = be.AppendUint32(b, uint32(len(t.Dim)))
			b = append(b, t.Dim...)
			b = be.AppendUint32(b, 2)
			b = be.AppendUint16(b, uint16(t.Position))
			b = be.AppendUint32(b, uint32(len(t.Name)))
			b = append(b, t.Name...)
		}
		return b
	}, 10 * 48
}

// animeVotesRowSize is the length of a row of anime_votes_load.
const animeVotesRowSize = 2 + 8 + 6 + 8

// animeVotesRows encodes an anime's rows of anime_votes_load (anime_id
// int4, score int2, votes int4), one a score whose votes are known.
func animeVotesRows(b []byte, a *animetl.Anime) []byte {
	be := binary.BigEndian
	for i, n := range a.Votes {
		if n == nil {
			continue
		}
		b = be.AppendUint16(b, 3)
		b = be.AppendUint32(b, 4)
		b = be.AppendUint32(b, uint32(a.ID))
		b = be.AppendUint32(b, 2)
		b = be.AppendUint16(b, uint16(i+1))
		b = be.AppendUint32(b, 4)
		b = be.AppendUint32(b, uint32(*n))
	}
	return b
}
