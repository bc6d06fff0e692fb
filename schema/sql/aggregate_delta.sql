-- The counts before the deltas, minus the entries the deltas replaced or
-- removed, plus the entries they wrote: the same numbers a count of the
-- merged user_anime gives, without reading it.
INSERT INTO {{.Scratch}}ua_agg (anime_id, watching_status, n, ratings, rating_sum)
SELECT anime_id, watching_status, SUM(n), SUM(ratings), SUM(rating_sum)
FROM (SELECT anime_id, watching_status, entries AS n, ratings, rating_sum
      FROM {{.Scratch}}ua_base
      UNION ALL
      SELECT anime_id, watching_status, -count(*), -count(rating), -COALESCE(SUM(rating), 0)
      FROM {{.Scratch}}ua_old GROUP BY anime_id, watching_status
      UNION ALL
      SELECT anime_id, watching_status, count(*), count(rating), COALESCE(SUM(rating), 0)
      FROM {{.Scratch}}list_load GROUP BY anime_id, watching_status) x
GROUP BY anime_id, watching_status
HAVING SUM(n) <> 0;
