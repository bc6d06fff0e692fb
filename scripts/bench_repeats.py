"""Writes the benchmark's "repeats" list: a copy of animelist.csv of the same
size in which N lines (default 3) are replaced by conflicting repeats, each
the key (user_id, anime_id) of an earlier line with a different rating.

    python3 scripts/bench_repeats.py --src data/animelist.csv --out rep/animelist.csv --rows 8000000

The file keeps its line count, so a run on it reads as many rows as the clean
base, and a correct run rejects exactly N of them ("conflicting repeat").
The copy of line s_j = j*rows/(N+1) replaces line s_j + rows/(2(N+1)): the
repeats sit far from their first occurrence, spread through the file. Both
layouts of `animetl gen` are understood (the indexed one's first column is the
pandas index, kept as it was). Standard library only.
"""

import argparse
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True, help="the clean animelist.csv")
    ap.add_argument("--out", required=True, help="the file to write")
    ap.add_argument("--rows", type=int, required=True, help="data lines of --src")
    ap.add_argument("--repeats", type=int, default=3, help="conflicting repeats to plant")
    args = ap.parse_args()
    n, rows = args.repeats, args.rows
    gap = rows // (2 * (n + 1))
    if n < 1 or gap < 1:
        sys.exit(f"bench_repeats: {rows} rows are too few for {n} repeats")
    sources = {j * rows // (n + 1): j for j in range(1, n + 1)}
    targets = {s + gap: j for s, j in sources.items()}
    kept = {}
    planted = 0
    with open(args.src, newline="") as src, open(args.out, "w", newline="") as out:
        header = src.readline()
        out.write(header)
        key = 1 if header.startswith(",") else 0  # the indexed layout leads with the index
        for i, line in enumerate(src, start=1):
            if i in sources:
                kept[sources[i]] = line.rstrip("\r\n").split(",")
            elif i in targets:
                first = kept[targets[i]]
                own = line.rstrip("\r\n").split(",")
                fields = own[:key] + first[key:]
                rating = fields[key + 2]
                fields[key + 2] = "9" if rating == "10" else "10"
                line = ",".join(fields) + "\n"
                planted += 1
            out.write(line)
    if planted != n:
        sys.exit(f"bench_repeats: planted {planted} repeats, want {n}: is --rows {rows} the file's line count?")
    print(f"planted {planted} conflicting repeats in {args.out}")


if __name__ == "__main__":
    main()
