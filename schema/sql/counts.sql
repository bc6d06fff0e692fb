{{- /* status_counts: the entries of a list per anime and status, how many
carry a rating (NULL: none) and their sum, as animetl.StatusCount counts
them; . is the FROM item. One text for every dialect: the warehouses count
user_anime with it (aggregate.sql), Spark the base list's Parquet
(schema.StatusCounts). */ -}}
{{define "status_counts" -}}
SELECT anime_id, watching_status, count(*) AS entries, count(rating) AS ratings, COALESCE(sum(rating), 0) AS rating_sum
FROM {{.}}
GROUP BY anime_id, watching_status
{{- end}}
