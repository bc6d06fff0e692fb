package recommend

import (
	"context"
	"fmt"

	"github.com/animetl/animetl"
)

// interactionsSQL reads the fact table as the recommenders see it.
const interactionsSQL = `SELECT user_id, anime_id, watching_status, COALESCE(rating, 0) FROM user_anime`

// Load reads user_anime through q (a published snapshot or a run's stage)
// and builds the matrix, weighing entries with w (nil means DefaultWeight).
func Load(ctx context.Context, q animetl.Querier, w WeightFunc) (*Data, error) {
	rows, err := q.Query(ctx, interactionsSQL)
	if err != nil {
		return nil, fmt.Errorf("recommend: read user_anime: %w", err)
	}
	defer rows.Close()
	b := NewBuilder(w)
	ints, fast := rows.(animetl.IntRows)
	var n [4]int64
	for rows.Next() {
		var in Interaction
		if fast {
			if err := ints.ScanInts(n[:]); err != nil {
				return nil, fmt.Errorf("recommend: read user_anime: %w", err)
			}
			in = Interaction{UserID: int32(n[0]), AnimeID: int32(n[1]), Status: int16(n[2]), Rating: int16(n[3])}
		} else {
			v, err := rows.Values()
			if err != nil {
				return nil, fmt.Errorf("recommend: read user_anime: %w", err)
			}
			if in, err = interaction(v); err != nil {
				return nil, err
			}
		}
		b.Add(in)
		if b.Len()&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recommend: read user_anime: %w", err)
	}
	return b.Build()
}

func interaction(v []any) (Interaction, error) {
	var n [4]int64
	for i := range n {
		x, ok := v[i].(int64)
		if !ok {
			return Interaction{}, fmt.Errorf("recommend: read user_anime: column %d is %T, want an integer", i+1, v[i])
		}
		n[i] = x
	}
	return Interaction{UserID: int32(n[0]), AnimeID: int32(n[1]), Status: int16(n[2]), Rating: int16(n[3])}, nil
}
