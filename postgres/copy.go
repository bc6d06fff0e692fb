package postgres

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/animetl/animetl"
)

// binaryHeader starts a PostgreSQL binary COPY stream: the signature, no
// flags, no header extension.
var binaryHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// listEncoder turns batches of list entries straight into PostgreSQL's
// binary COPY format (user_id int4, anime_id int4, watching_status int2,
// rating int2 or NULL, watched_episodes int4, file_id int2, line int8):
// about 56 bytes a row, written with no allocation per row. It reads
// batches from a channel shared with the other COPY connections.
type listEncoder struct {
	ctx    context.Context
	in     <-chan []animetl.ListEntry
	fileID int16
	buf    []byte
	off    int
	state  int // 0 header pending, 1 rows, 2 trailer written
}

func (e *listEncoder) Read(p []byte) (int, error) {
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

func (e *listEncoder) encode(batch []animetl.ListEntry) {
	b := e.buf
	if need := len(batch) * 56; cap(b)-len(b) < need {
		nb := make([]byte, len(b), len(b)+need)
		copy(nb, b)
		b = nb
	}
	be := binary.BigEndian
	for i := range batch {
		r := &batch[i]
		b = be.AppendUint16(b, 7)
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
		b = be.AppendUint32(b, 2)
		b = be.AppendUint16(b, uint16(e.fileID))
		b = be.AppendUint32(b, 8)
		b = be.AppendUint64(b, uint64(r.Line))
	}
	e.buf = b
}

// copyList runs one binary COPY of list entries on conn and returns the
// rows the server inserted.
func copyList(ctx context.Context, conn *pgxpool.Conn, table pgx.Identifier, fileID int16, in <-chan []animetl.ListEntry) (int64, error) {
	enc := &listEncoder{ctx: ctx, in: in, fileID: fileID}
	q := fmt.Sprintf("COPY %s (user_id, anime_id, watching_status, rating, watched_episodes, file_id, line) FROM STDIN BINARY", table.Sanitize())
	tag, err := conn.Conn().PgConn().CopyFrom(ctx, enc, q)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}
