-- The files of one run with the four counts (read = loaded + rejected +
-- duplicates).
SELECT file_id, name, kind, location, size, checksum, delta_date, modified_at,
       rows_read, rows_loaded, rows_rejected, rows_duplicate
FROM etl_file
WHERE run_id = $1
ORDER BY file_id
