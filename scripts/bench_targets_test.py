"""Tests of bench_targets.py's README block (make test runs them: python3 -m unittest)."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_targets import BIG, README_BEGIN, README_END, judge, readme_block, write_readme  # noqa: E402


def entry(rows, duck, floor, commit):
    meta = {"rows": rows}
    summary = {"animetl_duck": {"runs": 1, "ok": 1, "median_wall_s": duck, "median_rss_mib": 300.0},
               "duck_floor": {"runs": 1, "ok": 1, "median_wall_s": floor}}
    targets, _ = judge(meta, summary, [])
    return {"rows": rows, "timestamp": f"t-{commit}", "git": {"commit": commit * 6, "dirty": False},
            "runs": 1, "aux_runs": 1, "machine": {"nproc": 2}, "targets": targets}


def read(path):
    with open(path) as f:
        return f.read()


class ReadmeBlock(unittest.TestCase):
    def test_latest_run_of_each_size(self):
        history = [entry(8_000_000, 3.0, 1.0, "a"), entry(BIG, 15.0, 10.0, "b"), entry(8_000_000, 1.9, 1.0, "c"),
                   entry(300_000, 9.0, 1.0, "d")]  # a validation run is no measurement
        text = "\n".join(readme_block(history))
        row = next(line for line in text.splitlines() if line.startswith("| full run -> DuckDB / F_duck, public"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        self.assertEqual(cells[1:], ["**1.90x**", "≤ 2.00x (stretch 1.50x)", "met",
                                     "**1.50x**", "≤ 2.00x (stretch 1.50x)", "met, stretch met"])
        self.assertIn("8M: t-c, cccccc", text)
        self.assertIn("80M: t-b, bbbbbb", text)
        self.assertNotIn("dddddd", text)
        missed = next(line for line in text.splitlines() if line.startswith("| incremental 1% day / full run, DuckDB"))
        self.assertIn("not measured", missed)

    def test_a_share_keeps_three_decimals(self):
        e = entry(BIG, 15.0, 10.0, "b")
        day = next(t for t in e["targets"] if t["name"] == "duck_incremental")
        day.update(value=0.153, result="FAIL")
        text = "\n".join(readme_block([e]))
        self.assertIn("| 0.153x |", text)

    def test_rewrites_only_the_block(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "README.md")
            with open(path, "w") as f:
                f.write(f"before\n{README_BEGIN}\nold table\n{README_END}\nafter\n")
            history = [entry(8_000_000, 2.5, 1.0, "a")]
            self.assertTrue(write_readme(path, history))
            first = read(path)
            self.assertTrue(first.startswith("before\n" + README_BEGIN))
            self.assertTrue(first.endswith(README_END + "\nafter\n"))
            self.assertNotIn("old table", first)
            self.assertIn("| 2.50x |", first)
            self.assertTrue(write_readme(path, history))
            self.assertEqual(read(path), first)

    def test_no_block_no_change(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "README.md")
            with open(path, "w") as f:
                f.write("no block here\n")
            self.assertFalse(write_readme(path, [entry(8_000_000, 2.5, 1.0, "a")]))
            self.assertEqual(read(path), "no block here\n")
            self.assertFalse(write_readme(os.path.join(d, "missing.md"), [entry(8_000_000, 2.5, 1.0, "a")]))


if __name__ == "__main__":
    unittest.main()
