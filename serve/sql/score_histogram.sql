-- The distribution of catalogue scores: anime per half-point bucket
-- (bucket 7.5 holds scores from 7.50 to 7.99; 10.00 falls in 9.5).
-- Anime without a score are left out.
SELECT CAST(LEAST(FLOOR(CAST(score AS DOUBLE PRECISION) * 2) / 2, 9.5) AS DOUBLE PRECISION) AS bucket,
       count(*) AS anime
FROM anime
WHERE score IS NOT NULL AND NOT is_inferred
GROUP BY 1
ORDER BY 1
