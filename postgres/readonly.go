package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/animetl/animetl"
)

// queryError words a reader's failed statement. The server's refusals of
// a write in a read-only transaction, and of more than one statement in
// one query, are animetl.ErrReadOnly with the same words as DuckDB's; any
// other error is the server's, without the statement.
func queryError(q string, err error) error {
	if ro := readOnlyError(q, err); ro != nil {
		return ro
	}
	return fmt.Errorf("postgres: %w", animetl.NewStatementError(q, err))
}

// readOnlyError returns the read-only refusal err is, or nil.
func readOnlyError(q string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "25006": // read_only_sql_transaction
			return fmt.Errorf("postgres: query: %s statement refused: %w", animetl.StatementKeyword(q), animetl.ErrReadOnly)
		case pe.Code == "42601" && strings.Contains(pe.Message, "multiple commands"):
			return fmt.Errorf("postgres: query: more than one statement: %w", animetl.ErrReadOnly)
		}
	}
	return nil
}
