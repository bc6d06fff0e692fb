package duckdb

// ReaderOpens returns how many read instances the process opened.
func ReaderOpens() int64 { return readerOpens.Load() }

// SetDeleteRange makes the merge delete n row ids per range until restore.
func SetDeleteRange(n int64) (restore func()) {
	old := deleteRangeRows
	deleteRangeRows = n
	return func() { deleteRangeRows = old }
}

// SetOldKeysPerRange makes an incremental run look the day's keys up in
// the base n keys per range until restore.
func SetOldKeysPerRange(n int64) (restore func()) {
	old := oldKeysPerRange
	oldKeysPerRange = n
	return func() { oldKeysPerRange = old }
}

// RawChunks says whether list loads may write DuckDB's vectors directly.
func RawChunks() bool { return rawChunks }

// SetListSetter makes list loads write through duckdb-go's typed setter
// until restore.
func SetListSetter(on bool) (restore func()) {
	old := listSetter
	listSetter = on
	return func() { listSetter = old }
}
