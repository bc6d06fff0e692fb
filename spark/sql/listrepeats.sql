{{- /* repeats: the repeated (user_id, anime_id) keys of each list file,
resolved by the warehouse's rule (schema/sql/repeats.sql): within a file
the first line wins; a later line with the same key loses, as a duplicate
when its status, rating and episodes equal the first line's, else as a
conflicting repeat (a reject). A window over each file's clean lines by key
(a shuffle of the list); rejects keep a partition of their own. Repeats
across files (the delta days) stay with the warehouse, which holds them
all. It reads cols (lists.sql). repeat is NULL for a winner, else 'same'
or 'conflict'. */ -}}
repeats AS (
    SELECT *,
        CASE WHEN verdict IS NOT NULL OR rn = 1 THEN NULL
             WHEN watching_status = first_status AND rating = first_rating AND watched_episodes = first_episodes THEN 'same'
             ELSE 'conflict'
        END AS repeat
    FROM (
        SELECT *,
            row_number() OVER w AS rn,
            first_value(block) OVER w AS first_block,
            first_value(mid) OVER w AS first_mid,
            first_value(watching_status) OVER w AS first_status,
            first_value(rating) OVER w AS first_rating,
            first_value(watched_episodes) OVER w AS first_episodes
        FROM cols
        WINDOW w AS (PARTITION BY file_id, verdict IS NULL,
            CASE WHEN verdict IS NULL THEN user_id ELSE block END,
            CASE WHEN verdict IS NULL THEN anime_id ELSE mid END
            ORDER BY block, mid)
    )
)
