-- List entries of one anime per watching status, undocumented codes
-- included (their description is NULL).
SELECT c.watching_status AS status, ws.description, COALESCE(ws.is_documented, false) AS is_documented,
       c.entries, c.ratings, c.rating_sum
FROM anime_status_stats c
LEFT JOIN watching_status ws ON ws.status = c.watching_status
WHERE c.anime_id = $1
ORDER BY c.watching_status
