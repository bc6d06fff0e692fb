"""The Python side of `make bench-rec`: train the implicit library's ALS
(CPU) on the train matrix scripts/recbench prepared, with the settings it
names, and write the factors and the training time back for recbench to
score with animetl's metrics.

    python scripts/bench_rec.py WORKDIR

Reads WORKDIR/shape.json, indptr.i64, indices.i32 and conf.f32 (a CSR
users x anime matrix of confidences 1 + alpha*weight, which implicit takes
as they are: its own alpha stays 1); writes WORKDIR/users.f32, items.f32
(row-major float32) and implicit.json, and appends the training time to
WORKDIR/implicit-times.txt.
"""

import json
import os
import platform
import resource
import sys
import time

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

import implicit
from implicit.cpu.als import AlternatingLeastSquares


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def main(work):
    with open(os.path.join(work, "shape.json")) as f:
        shape = json.load(f)
    indptr = np.fromfile(os.path.join(work, "indptr.i64"), dtype="<i8")
    indices = np.fromfile(os.path.join(work, "indices.i32"), dtype="<i4")
    conf = np.fromfile(os.path.join(work, "conf.f32"), dtype="<f4")
    users_items = sp.csr_matrix((conf, indices, indptr), shape=(shape["users"], shape["items"]))
    model = AlternatingLeastSquares(
        factors=shape["factors"],
        regularization=shape["regularization"],
        alpha=1.0,
        iterations=shape["iterations"],
        use_cg=True,
        use_native=True,
        calculate_training_loss=False,
        num_threads=0,
        random_state=shape["seed"],
    )
    # implicit parallelises over rows itself; BLAS threads inside would
    # only fight it (implicit warns about that).
    with threadpool_limits(limits=1, user_api="blas"):
        start = time.perf_counter()
        model.fit(users_items, show_progress=False)
        seconds = time.perf_counter() - start
    np.ascontiguousarray(model.user_factors, dtype="<f4").tofile(os.path.join(work, "users.f32"))
    np.ascontiguousarray(model.item_factors, dtype="<f4").tofile(os.path.join(work, "items.f32"))
    with open(os.path.join(work, "implicit.json"), "w") as f:
        json.dump(
            {
                "train_seconds": seconds,
                "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                "version": "implicit " + implicit.__version__,
                "machine": "%s, %d CPUs, %s" % (cpu_model(), os.cpu_count(), platform.platform()),
            },
            f,
        )
    with open(os.path.join(work, "implicit-times.txt"), "a") as f:
        f.write("%f\n" % seconds)
    print("implicit ALS: %.1fs" % seconds, file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
