package duckdb

// ReaderOpens returns how many read instances the process opened.
func ReaderOpens() int64 { return readerOpens.Load() }

// SetDeleteRange makes the merge delete n row ids per range until restore.
func SetDeleteRange(n int64) (restore func()) {
	old := deleteRangeRows
	deleteRangeRows = n
	return func() { deleteRangeRows = old }
}
