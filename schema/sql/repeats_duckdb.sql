-- DuckDB's end of the repeats' resolution (repeats.sql made the
-- {{.Tag}}_repeat_rows), run by duckdb/merge.go like the merge's DELETE
-- (merge_duckdb.sql): once per range [$1, $2) of row ids, the highest range
-- first, with a checkpoint after each. A row is deleted only where its row
-- id still holds its file and line, so a row id that a checkpoint moved
-- could only be missed, never delete another row, and the count of rows
-- deleted is checked.
DELETE FROM {{.Table}} AS l
USING {{.Scratch}}{{.Tag}}_repeat_rows r
WHERE l.rowid >= $1 AND l.rowid < $2
  AND r.gone AND r.row_ref = l.rowid AND r.file_id = {{.TableFile}} AND r.line = l.line;
