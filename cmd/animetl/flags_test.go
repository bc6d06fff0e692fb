package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/synth"
)

// TestBadFlagValuesExitTwoNamingTheFlag goes through every flag with a
// value that has no meaning: each must stop the command before it does
// anything, with exit 2 and the flag's name on stderr.
func TestBadFlagValuesExitTwoNamingTheFlag(t *testing.T) {
	dir, _ := contract.Gen(t, contract.Generated)
	run := func(args ...string) []string {
		return append([]string{"run", "--source", dir, "--warehouse", duckWarehouse(t), "--progress", "never"}, args...)
	}
	check := func(args ...string) []string {
		return append([]string{"check", "--warehouse", duckWarehouse(t)}, args...)
	}
	query := func(args ...string) []string {
		return append([]string{"query", "top-rated", "--warehouse", duckWarehouse(t)}, args...)
	}
	gen := func(args ...string) []string {
		return append([]string{"gen", "--out", filepath.Join(t.TempDir(), "g"), "--rows", "10"}, args...)
	}
	export := func(args ...string) []string {
		return append([]string{"export", "--warehouse", duckWarehouse(t), "--out", filepath.Join(t.TempDir(), "lake")}, args...)
	}
	demo := func(args ...string) []string {
		return append([]string{"demo", "--rows", "100", "--warehouse", duckWarehouse(t)}, args...)
	}
	rsCopy := func(args ...string) []string {
		return append([]string{"redshift", "copy", "--lake", "s3://my-bucket/lake", "--iam-role", "arn:aws:iam::123456789012:role/r"}, args...)
	}
	evaluate := func(args ...string) []string {
		return append([]string{"evaluate", "--warehouse", duckWarehouse(t)}, args...)
	}
	tests := []struct {
		name string
		args []string
		flag string
	}{
		{"run max-reject-rate negative", run("--max-reject-rate", "-0.1"), "max-reject-rate"},
		{"run max-reject-rate above one", run("--max-reject-rate", "1.5"), "max-reject-rate"},
		{"run max-reject-rate NaN", run("--max-reject-rate", "NaN"), "max-reject-rate"},
		{"run max-drift zero", run("--max-drift", "0"), "max-drift"},
		{"run max-drift NaN", run("--max-drift", "NaN"), "max-drift"},
		{"run max-drift infinite", run("--max-drift", "+Inf"), "max-drift"},
		{"run max-shrink negative", run("--max-shrink", "-0.1"), "max-shrink"},
		{"run max-shrink above one", run("--max-shrink", "1.5"), "max-shrink"},
		{"run max-delta-age zero", run("--max-delta-age", "0"), "max-delta-age"},
		{"run batch-size zero", run("--batch-size", "0"), "batch-size"},
		{"run batch-size negative", run("--batch-size", "-5"), "batch-size"},
		{"run batch-size huge", run("--batch-size", "1000000000"), "batch-size"},
		{"run parse-workers negative", run("--parse-workers", "-1"), "parse-workers"},
		{"run parse-workers huge", run("--parse-workers", "100000"), "parse-workers"},
		{"run duckdb-csv unknown", run("--duckdb-csv", "on"), "duckdb-csv"},
		{"run prior-ratings negative", run("--prior-ratings", "-50"), "prior-ratings"},
		{"run prior-ratings zero", run("--prior-ratings", "0"), "prior-ratings"},
		{"run mode", run("--mode", "weekly"), "mode"},
		{"run engine", run("--engine", "flink"), "engine"},
		{"run spark-remote without engine", run("--spark-remote", "sc://127.0.0.1:15002"), "spark-remote"},
		{"run spark-stage without engine", run("--spark-stage", "/tmp/stage"), "spark-stage"},
		{"run spark-remote missing", run("--engine", "spark", "--spark-stage", "/tmp/stage"), "spark-remote"},
		{"run spark-remote scheme", run("--engine", "spark", "--spark-remote", "http://h:15002", "--spark-stage", "/tmp/stage"), "spark-remote"},
		{"run spark-stage missing", run("--engine", "spark", "--spark-remote", "sc://h:15002"), "spark-stage"},
		{"run spark-stage relative", run("--engine", "spark", "--spark-remote", "sc://h:15002", "--spark-stage", "stage"), "spark-stage"},
		{"run spark-stage s3a no bucket", run("--engine", "spark", "--spark-remote", "sc://h:15002", "--spark-stage", "s3a:///stage"), "spark-stage"},
		{"run spark-stage s3 dot-dot", run("--engine", "spark", "--spark-remote", "sc://h:15002", "--spark-stage", "s3://b/stage/../x"), "spark-stage"},
		{"run spark-stage s3 query", run("--engine", "spark", "--spark-remote", "sc://h:15002", "--spark-stage", "s3://b/stage?versionId=1"), "spark-stage"},
		{"run spark-stage gs", run("--engine", "spark", "--spark-remote", "sc://h:15002", "--spark-stage", "gs://b/stage"), "spark-stage"},
		{"run backfill", run("--backfill", "yesterday"), "backfill"},
		{"run progress", run("--progress", "sometimes"), "progress"},
		{"run not a number", run("--batch-size", "many"), "batch-size"},
		{"run lock-timeout negative", run("--lock-timeout", "-1s"), "lock-timeout"},
		{"run lock-timeout zero", run("--lock-timeout", "0s"), "lock-timeout"},
		{"run pg-copy-workers zero", run("--pg-copy-workers", "0"), "pg-copy-workers"},
		{"run pg-copy-workers huge", run("--pg-copy-workers", "5000000000"), "pg-copy-workers"},
		{"run pg-publish-timeout zero", run("--pg-publish-timeout", "0s"), "pg-publish-timeout"},
		{"run duckdb-memory-limit word", run("--duckdb-memory-limit", "abc"), "duckdb-memory-limit"},
		{"run duckdb-memory-limit no unit", run("--duckdb-memory-limit", "512"), "duckdb-memory-limit"},
		{"run duckdb-memory-limit percentage", run("--duckdb-memory-limit", "80%"), "duckdb-memory-limit"},
		{"run duckdb-memory-limit tiny", run("--duckdb-memory-limit", "100B"), "duckdb-memory-limit"},
		{"run duckdb-memory-limit quote", run("--duckdb-memory-limit", "1GB'; DROP"), "duckdb-memory-limit"},
		{"run duckdb-threads negative", run("--duckdb-threads", "-2"), "duckdb-threads"},
		{"run duckdb-threads huge", run("--duckdb-threads", "100000"), "duckdb-threads"},
		{"run warehouse scheme", run("--warehouse", "mysql://x/y"), "warehouse"},
		{"run warehouse empty duckdb path", run("--warehouse", "duckdb:"), "warehouse"},
		{"run max-attempts zero", run("--max-attempts", "0"), "max-attempts"},
		{"run concurrency zero", run("--concurrency", "0"), "concurrency"},
		{"run concurrency huge", run("--concurrency", "100000"), "concurrency"},
		{"run part-size word", run("--part-size", "big"), "part-size"},
		{"run part-size zero", run("--part-size", "0MiB"), "part-size"},
		{"run part-size huge", run("--part-size", "9000000GiB"), "part-size"},
		{"run request-timeout zero", run("--request-timeout", "0s"), "request-timeout"},
		{"run s3-endpoint not a URL", run("--s3-endpoint", "local host:9000"), "s3-endpoint"},
		{"run source scheme", []string{"run", "--source", "ftp://h/x", "--warehouse", duckWarehouse(t)}, "source"},
		{"run source missing", []string{"run", "--source", filepath.Join(dir, "nope"), "--warehouse", duckWarehouse(t)}, "source"},
		{"run rec-user-model unknown", run("--rec-user-model", "magic"), "rec-user-model"},
		{"run rec-similar-model unknown", run("--rec-similar-model", "magic"), "rec-similar-model"},
		{"run rec-similar-model without similarity", run("--rec-similar-model", "popularity"), "rec-similar-model"},
		{"run rec-seed negative", run("--rec-seed", "-1"), "rec-seed"},
		{"run rec-seed not a number", run("--rec-seed", "lucky"), "rec-seed"},
		{"run recommend without models", run("--recommend", "--rec-user-model", "", "--rec-similar-model", ""), "recommend"},
		{"run log-level", run("--log-level", "loud"), "log-level"},
		{"run log-format", run("--log-format", "xml"), "log-format"},
		{"check max-reject-rate", check("--max-reject-rate", "-1"), "max-reject-rate"},
		{"check max-drift", check("--max-drift", "-1"), "max-drift"},
		{"check max-shrink", check("--max-shrink", "2"), "max-shrink"},
		{"run ledger-keep-days zero", run("--ledger-keep-days", "0"), "ledger-keep-days"},
		{"run pg-publish-attempt zero", run("--pg-publish-attempt", "0s"), "pg-publish-attempt"},
		{"run pg-lock-keepalive negative", run("--pg-lock-keepalive", "-1s"), "pg-lock-keepalive"},
		{"check max-delta-age", check("--max-delta-age", "0"), "max-delta-age"},
		{"check duckdb-memory-limit", check("--duckdb-memory-limit", "lots"), "duckdb-memory-limit"},
		{"check duckdb-threads", check("--duckdb-threads", "-1"), "duckdb-threads"},
		{"query limit zero", query("--limit", "0"), "limit"},
		{"query limit with sql", []string{"query", "--sql", "SELECT 1", "--limit", "-3", "--warehouse", duckWarehouse(t)}, "limit"},
		{"query min-ratings", query("--min-ratings", "-1"), "min-ratings"},
		{"query format", query("--format", "xml"), "format"},
		{"query duckdb-memory-limit", query("--duckdb-memory-limit", "1 banana"), "duckdb-memory-limit"},
		{"recommend user negative", []string{"recommend", "--user", "-1", "--warehouse", duckWarehouse(t)}, "user"},
		{"recommend limit above 20", []string{"recommend", "--user", "1", "--limit", "21", "--warehouse", duckWarehouse(t)}, "limit"},
		{"similar anime missing", []string{"similar", "--warehouse", duckWarehouse(t)}, "anime"},
		{"similar format", []string{"similar", "--anime", "1", "--format", "xml", "--warehouse", duckWarehouse(t)}, "format"},
		{"gen rows", gen("--rows", "-1"), "rows"},
		{"gen anime zero", gen("--anime", "0"), "anime"},
		{"gen anime huge", gen("--anime", "5000000"), "anime"},
		{"gen layout", gen("--layout", "excel"), "layout"},
		{"gen defect-rate", gen("--defect-rate", "1"), "defect-rate"},
		{"gen defect-rate NaN", gen("--defect-rate", "NaN"), "defect-rate"},
		{"gen delta date", gen("--delta", "2024-13-01"), "delta"},
		{"gen deletes negative", gen("--delta", "2024-01-01", "--deletes", "-1"), "deletes"},
		{"gen deletes without delta", gen("--deletes", "5"), "deletes"},
		{"gen changed-share", gen("--delta", "2024-01-01", "--changed-share", "1.5"), "changed-share"},
		{"gen changed-share zero", gen("--delta", "2024-01-01", "--changed-share", "0"), "changed-share"},
		{"gen max-attempts", gen("--max-attempts", "-1"), "max-attempts"},
		{"gen part-size", gen("--part-size", "-8MiB"), "part-size"},
		{"run lake scheme", run("--lake", "ftp://host/lake"), "lake"},
		{"run lake s3 without bucket", run("--lake", "s3://"), "lake"},
		{"run lake-keep negative", run("--lake", t.TempDir(), "--lake-keep", "-1"), "lake-keep"},
		{"run lake-keep negative without lake", run("--lake-keep", "-1"), "lake-keep"},
		{"run lake-buckets zero", run("--lake", t.TempDir(), "--lake-buckets", "0"), "lake-buckets"},
		{"run lake-buckets huge", run("--lake", t.TempDir(), "--lake-buckets", "101"), "lake-buckets"},
		{"run lake-ml without lake", run("--lake-ml"), "lake-ml"},
		{"run lake-seed not a number", run("--lake", t.TempDir(), "--lake-seed", "-1"), "lake-seed"},
		{"export out missing", []string{"export", "--warehouse", duckWarehouse(t)}, "out"},
		{"export out scheme", export("--out", "https://host/lake"), "out"},
		{"export out s3 without bucket", export("--out", "s3:///prefix"), "out"},
		{"export buckets zero", export("--buckets", "0"), "buckets"},
		{"export lake-keep negative", export("--lake-keep", "-1"), "lake-keep"},
		{"export seed negative", export("--seed", "-3"), "seed"},
		{"export ml not a bool", export("--ml=maybe"), "ml"},
		{"export s3-endpoint not a URL", export("--s3-endpoint", "local host:9000"), "s3-endpoint"},
		{"export memory limit", export("--export-memory-limit", "lots"), "export-memory-limit"},
		{"demo rows zero", demo("--rows", "0"), "rows"},
		{"demo batch of warehouse flags", demo("--lock-timeout", "-1s"), "lock-timeout"},
		{"demo duckdb-memory-limit", demo("--duckdb-memory-limit", "abc"), "duckdb-memory-limit"},
		{"redshift ddl schema upper case", []string{"redshift", "ddl", "--schema", "Analytics"}, "schema"},
		{"redshift ddl schema injection", []string{"redshift", "ddl", "--schema", "dw; DROP TABLE anime"}, "schema"},
		{"redshift copy lake missing", rsCopy("--lake", ""), "lake"},
		{"redshift copy lake local folder", rsCopy("--lake", t.TempDir()), "lake"},
		{"redshift copy lake bad bucket", rsCopy("--lake", "s3://B/lake"), "lake"},
		{"redshift copy lake quote", rsCopy("--lake", "s3://my-bucket/it's"), "lake"},
		{"redshift copy iam-role missing", rsCopy("--iam-role", ""), "iam-role"},
		{"redshift copy iam-role not an ARN", rsCopy("--iam-role", "redshift-copy"), "iam-role"},
		{"redshift copy iam-role quote", rsCopy("--iam-role", "arn:aws:iam::123456789012:role/r' CREDENTIALS 'x"), "iam-role"},
		{"redshift copy schema", rsCopy("--schema", "9lives"), "schema"},
		{"redshift copy s3-endpoint", rsCopy("--s3-endpoint", "local host"), "s3-endpoint"},
		{"evaluate models unknown", evaluate("--models", "svd"), "models"},
		{"evaluate models empty", evaluate("--models", ""), "models"},
		{"evaluate models twice", evaluate("--models", "als,als"), "models"},
		{"evaluate k zero", evaluate("--k", "0"), "k"},
		{"evaluate k huge", evaluate("--k", "100000"), "k"},
		{"evaluate seed negative", evaluate("--seed", "-1"), "seed"},
		{"evaluate factors zero", evaluate("--factors", "0"), "factors"},
		{"evaluate factors huge", evaluate("--factors", "100000"), "factors"},
		{"evaluate iterations zero", evaluate("--iterations", "0"), "iterations"},
		{"evaluate neighbours zero", evaluate("--neighbours", "0"), "neighbours"},
		{"evaluate regularization NaN", evaluate("--regularization", "NaN"), "regularization"},
		{"evaluate regularization negative", evaluate("--regularization", "-1"), "regularization"},
		{"evaluate alpha zero", evaluate("--alpha", "0"), "alpha"},
		{"evaluate alpha infinite", evaluate("--alpha", "+Inf"), "alpha"},
		{"evaluate shrink negative", evaluate("--shrink", "-1"), "shrink"},
		{"evaluate statement-timeout zero", evaluate("--statement-timeout", "0s"), "statement-timeout"},
		{"evaluate warehouse scheme", []string{"evaluate", "--warehouse", "mysql://x/y"}, "warehouse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := cli(t, tc.args...)
			if code != exitUsage {
				t.Errorf("animetl %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(tc.args, " "), code, exitUsage, out, stderr)
			}
			if !strings.Contains(stderr, tc.flag) {
				t.Errorf("stderr does not name %q:\n%s", tc.flag, stderr)
			}
			if strings.Contains(stderr, "SELECT") || strings.Contains(stderr, "SET ") {
				t.Errorf("stderr shows SQL instead of the flag:\n%s", stderr)
			}
		})
	}
}

// TestGoodMemoryLimitsAreAccepted: the memory limit forms DuckDB parses
// pass (it has no percentages).
func TestGoodMemoryLimitsAreAccepted(t *testing.T) {
	for _, v := range []string{"192MB", "1GB", "1.5GiB", "512 MiB", "2gb", "16MiB", "1TB"} {
		if err := validMemoryLimit(v); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
}

// TestZeroRejectRateMeansNone: --max-reject-rate 0 passes a clean source
// and fails one with a single rejected line, on both warehouses.
func TestZeroRejectRateMeansNone(t *testing.T) {
	clean, st := contract.Gen(t, synth.Config{Rows: 4000, Anime: 300, Seed: 11, Layout: synth.LayoutIndexed})
	if st.ListDefects.Total()+st.AnimeDefects.Total() != 0 {
		t.Fatalf("the clean set has defects")
	}
	dirty := contract.CopyDir(t, clean)
	f, err := os.OpenFile(filepath.Join(dirty, "animelist.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("not,a,list,line\n")
	f.Close()
	for _, wh := range warehouses(t) {
		t.Run(wh.name, func(t *testing.T) {
			code, out, stderr := cli(t, "run", "--source", clean, "--warehouse", wh.spec(t), "--max-reject-rate", "0", "--json")
			if code != exitOK {
				t.Fatalf("clean source with --max-reject-rate 0: exit %d\n%s\n%s", code, out, stderr)
			}
			obj := decodeOne(t, out)
			if obj["status"] != "succeeded" {
				t.Errorf("clean run: %v", obj["status"])
			}
			code, out, stderr = cli(t, "run", "--source", dirty, "--warehouse", wh.spec(t), "--max-reject-rate", "0", "--json")
			if code != exitFailed {
				t.Fatalf("one reject with --max-reject-rate 0: exit %d, want %d\n%s\n%s", code, exitFailed, out, stderr)
			}
			obj = decodeOne(t, out)
			if obj["status"] != "failed" || !strings.Contains(obj["error"].(string), "reject_rate") {
				t.Errorf("dirty run: status %v, error %v", obj["status"], obj["error"])
			}
		})
	}
}

// TestSparkStageURIsAccepted: the stage locations --spark-stage takes.
func TestSparkStageURIsAccepted(t *testing.T) {
	for _, stage := range []string{"/shared/stage", "file:///shared/stage", "s3://bucket/animetl/stage", "s3a://bucket/stage/", "s3://bucket"} {
		f := engineFlags{engine: "spark", remote: "sc://h:15002", stage: stage}
		if err := f.validate("/data"); err != nil {
			t.Errorf("--spark-stage %s: %v", stage, err)
		}
	}
}
