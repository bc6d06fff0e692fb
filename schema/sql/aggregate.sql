-- One pass over user_anime: its counts per anime and status, when the
-- pipeline could not count them exactly as the base streamed by.
INSERT INTO {{.Scratch}}ua_base (anime_id, watching_status, entries, ratings, rating_sum)
{{template "status_counts" "user_anime"}};
