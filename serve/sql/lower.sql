-- A text lower-cased by the engine, as the search and filters compare it.
SELECT lower(CAST($1 AS TEXT))
