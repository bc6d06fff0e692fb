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
    names = [t["name"] for t in manifest["tables"]]
    if "interactions" in names:
        out["ml"] = read_ml(root, manifest)
    json.dump(out, sys.stdout)


def read_ml(root, manifest):
    """The ML tables as a training script would see them: the split's
    shares per user, and the genres as Python lists."""
    run = os.path.join(root, "runs", manifest["run_id"])
    inter = pd.read_parquet(os.path.join(run, "interactions"))
    per_user = inter.groupby("user_id")["split"].agg(entries="size", test=lambda s: int((s == "test").sum()))
    big = per_user[per_user["entries"] >= manifest["split"]["min_entries"]]
    small = per_user[per_user["entries"] < manifest["split"]["min_entries"]]
    items = pq.read_table(os.path.join(run, "items"))
    genres = items.column("genres").to_pylist()
    return {
        "interactions_rows": len(inter),
        "splits": sorted(inter["split"].unique().tolist()),
        "test_share_big_users": float(big["test"].sum() / big["entries"].sum()),
        "big_users_without_test": int((big["test"] == 0).sum()),
        "test_in_small_users": int(small["test"].sum()),
        "genres_type": str(items.schema.field("genres").type),
        "items_rows": items.num_rows,
        "genres_all_lists": all(isinstance(g, list) for g in genres),
        "items_with_genres": sum(1 for g in genres if g),
    }


if __name__ == "__main__":
    main(sys.argv[1])
