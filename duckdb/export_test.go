package duckdb

// ReaderOpens returns how many read instances the process opened.
func ReaderOpens() int64 { return readerOpens.Load() }
