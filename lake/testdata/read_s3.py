"""Read a lake on an S3-compatible server with pyarrow's own S3 client:
follow _published.json to the manifest and read every table's files.

    python read_s3.py ENDPOINT BUCKET PREFIX

Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Prints
{"run_id": ..., "rows": {table: rows}} as one JSON object.
"""
import json
import os
import sys
from urllib.parse import urlparse

import pyarrow.fs as pafs
import pyarrow.parquet as pq


def main(endpoint, bucket, prefix):
    u = urlparse(endpoint)
    fs = pafs.S3FileSystem(
        endpoint_override=u.netloc, scheme=u.scheme, region="us-east-1",
        access_key=os.environ["AWS_ACCESS_KEY_ID"], secret_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    )
    root = bucket + "/" + prefix.strip("/")
    with fs.open_input_stream(root + "/_published.json") as f:
        pointer = json.load(f)
    with fs.open_input_stream(root + "/" + pointer["manifest"]) as f:
        manifest = json.load(f)
    rows = {}
    for t in manifest["tables"]:
        rows[t["name"]] = sum(pq.read_table(root + "/" + f["path"], filesystem=fs).num_rows for f in t["files"])
    json.dump({"run_id": manifest["run_id"], "rows": rows}, sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:4])
