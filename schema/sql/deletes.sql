-- Full runs: the deletes of a day remove the entries loaded by earlier
-- files (the base, earlier deltas, the same day's upserts, which sort first).
DELETE FROM {{.ListTable}} AS u
WHERE EXISTS (SELECT 1 FROM {{.Scratch}}delete_load x
              WHERE x.user_id = u.user_id AND x.anime_id = u.anime_id AND x.file_id > u.file_id);
