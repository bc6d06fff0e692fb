"""The seed's load, reproduced as a peer of scripts/bench.sh.

The original notebook read the list with pandas and inserted it into
PostgreSQL one row at a time with psycopg2, committing at the end:

    df = pd.read_csv("animelist.csv", nrows=100000)
    for row in df.itertuples(index=False):
        cursor.execute("INSERT INTO anime_list (...) VALUES (%s,%s,%s,%s,%s)", row)
    conn.commit()

This does the same (the table is created first, empty, without keys) and
prints one JSON object on stdout: rows inserted, seconds from read_csv to the
commit, rows per second. bench.sh extrapolates it linearly to the full set.

    python bench_seed.py --csv animelist.csv --dsn postgresql://... --table seed_list [--rows 100000]
"""

import argparse
import json
import sys
import time

import pandas as pd
import psycopg2

COLUMNS = ("user_id", "anime_id", "rating", "watching_status", "watched_episodes")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", required=True, help="animelist.csv")
    ap.add_argument("--dsn", required=True, help="libpq connection string or postgresql:// URL")
    ap.add_argument("--table", default="seed_list", help="table to create and fill (dropped first)")
    ap.add_argument("--rows", type=int, default=100000, help="rows to read and insert (the notebook's nrows)")
    args = ap.parse_args()

    conn = psycopg2.connect(args.dsn)
    cur = conn.cursor()
    cur.execute(f"DROP TABLE IF EXISTS {args.table}")
    cur.execute(
        f"CREATE TABLE {args.table} (user_id int, anime_id int, rating smallint, "
        "watching_status smallint, watched_episodes int)"
    )
    conn.commit()

    start = time.perf_counter()
    df = pd.read_csv(args.csv, nrows=args.rows, usecols=list(COLUMNS))
    df = df[list(COLUMNS)]
    sql = f"INSERT INTO {args.table} ({', '.join(COLUMNS)}) VALUES (%s,%s,%s,%s,%s)"
    n = 0
    for row in df.itertuples(index=False, name=None):
        # numpy integers are not adaptable by psycopg2: the notebook's rows
        # went through int() the same way.
        cur.execute(sql, tuple(int(v) for v in row))
        n += 1
    conn.commit()
    seconds = time.perf_counter() - start

    cur.execute(f"SELECT count(*) FROM {args.table}")
    loaded = cur.fetchone()[0]
    cur.execute(f"DROP TABLE {args.table}")
    conn.commit()
    conn.close()
    if loaded != n:
        print(f"bench_seed: inserted {n} rows but the table holds {loaded}", file=sys.stderr)
        return 1
    json.dump({"rows": n, "seconds": round(seconds, 3), "rows_per_s": round(n / seconds, 1)}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
