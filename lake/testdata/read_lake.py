"""Read a lake as an ML engineer would: follow _published.json to the
manifest, read every table with pyarrow (user_anime as a hive-partitioned
dataset, and with pandas), and print what was read as one JSON object.

    python read_lake.py LAKE_DIR
"""
import json
import os
import sys

import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq


def main(root):
    with open(os.path.join(root, "_published.json")) as f:
        pointer = json.load(f)
    with open(os.path.join(root, pointer["manifest"])) as f:
        manifest = json.load(f)
    out = {"run_id": manifest["run_id"], "tables": {}}
    for t in manifest["tables"]:
        tables = [pq.read_table(os.path.join(root, f["path"])) for f in t["files"]]
        schema = tables[0].schema
        out["tables"][t["name"]] = {
            "rows": sum(x.num_rows for x in tables),
            "types": {field.name: str(field.type) for field in schema},
        }
    run = os.path.join(root, "runs", manifest["run_id"], "user_anime")
    part = ds.partitioning(flavor="hive")
    dataset = ds.dataset(run, format="parquet", partitioning=part)
    table = dataset.to_table(columns=["user_id", "user_bucket"])
    buckets = manifest["buckets"]
    wrong = sum(
        1 for u, b in zip(table.column("user_id").to_pylist(), table.column("user_bucket").to_pylist()) if u % buckets != b
    )
    frame = pd.read_parquet(run)
    anime = pd.read_parquet(os.path.join(root, "runs", manifest["run_id"], "anime"))
    out["dataset_rows"] = table.num_rows
    out["wrong_bucket"] = wrong
    out["pandas_rows"] = len(frame)
    out["pandas_score_max"] = float(anime["score"].dropna().max())
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
