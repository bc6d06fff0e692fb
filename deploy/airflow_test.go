package deploy

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// airflowTimeout bounds one airflow command; a DAG run here takes 15 s.
const airflowTimeout = 5 * time.Minute

// airflow runs the airflow CLI of ANIMETL_TEST_AIRFLOW with AIRFLOW_HOME in a
// temporary folder on SQLite and the DAGs folder deploy/airflow.
type airflow struct {
	cmd  string
	home string
	dags string
}

// newAirflow makes an Airflow home whose database is a copy of the migrated
// one in migrated (a migration takes seconds; a copy does not).
func newAirflow(t *testing.T, cmd, migrated string) *airflow {
	t.Helper()
	dags, err := filepath.Abs("airflow")
	if err != nil {
		t.Fatal(err)
	}
	af := &airflow{cmd: cmd, home: t.TempDir(), dags: dags}
	if migrated != "" {
		db, err := os.ReadFile(filepath.Join(migrated, "airflow.db"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(af.home, "airflow.db"), db, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return af
}

// run runs `airflow args...` with the Airflow settings of the home plus env.
func (af *airflow) run(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return af.exec(t, env, af.cmd, args...)
}

// exec runs name with the Airflow settings of the home plus env.
func (af *airflow) exec(t *testing.T, env []string, name string, args ...string) result {
	t.Helper()
	full := cleanEnv(
		"AIRFLOW_HOME="+af.home,
		"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///"+filepath.Join(af.home, "airflow.db"),
		"AIRFLOW__CORE__DAGS_FOLDER="+af.dags,
		"AIRFLOW__CORE__LOAD_EXAMPLES=False",
		"PYTHONDONTWRITEBYTECODE=1", // no __pycache__ in deploy/airflow
	)
	start := time.Now()
	label := strings.Join(args[:min(2, len(args))], " ")
	if len(label) > 40 {
		label = label[:40] + "…"
	}
	defer func() { t.Logf("%s %s: %.1fs", filepath.Base(name), label, time.Since(start).Seconds()) }()
	return run(t, airflowTimeout, append(full, env...), name, args...)
}

// mustAirflow returns the airflow command the tests run, or skips.
func mustAirflow(t *testing.T) string {
	t.Helper()
	cmd := os.Getenv("ANIMETL_TEST_AIRFLOW")
	if cmd == "" {
		t.Skip("set ANIMETL_TEST_AIRFLOW to an airflow command of deploy/airflow/requirements.lock to run the DAG in real Airflow (make test installs it and sets it)")
	}
	return cmd
}

// webhook records the alerts POSTed to it.
type webhook struct {
	mu    sync.Mutex
	texts []string
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var body struct {
		Text string `json:"text"`
	}
	b, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || json.Unmarshal(b, &body) != nil || body.Text == "" {
		http.Error(rw, "want a POST of {\"text\": ...}", http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	w.texts = append(w.texts, body.Text)
	w.mu.Unlock()
}

func (w *webhook) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	texts := w.texts
	w.texts = nil
	return texts
}

// TestAirflowDAG runs deploy/airflow/animetl_daily.py in real Airflow: the
// DAG folder imports without errors, and `airflow dags test` runs the DAG
// against generated data with delta days into DuckDB and PostgreSQL: a run
// applies the days up to its date in the DAG's zone and the ledger shows it;
// with a base file missing the run fails after its retries, each try is a
// failed run in the ledger, an alert is posted, and the published data is
// untouched; a configuration error (exit 2) fails at once, without retries.
func TestAirflowDAG(t *testing.T) {
	cmd := mustAirflow(t)
	bin := mustAnimetl(t)
	base := newAirflow(t, cmd, "")
	if res := base.run(t, nil, "db", "migrate"); res.code != 0 {
		t.Fatalf("airflow db migrate: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}

	t.Run("imports", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			env  []string
		}{
			{"defaults", nil},
			{"settings", []string{"ANIMETL_AIRFLOW_CRON=30 4 * * 1-5", "ANIMETL_AIRFLOW_TZ=Europe/Paris", "ANIMETL_AIRFLOW_DEADLINE=06:45", "ANIMETL_AIRFLOW_RETRIES=0"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := base.run(t, tc.env, "dags", "list-import-errors", "--local", "-B", "dags-folder", "-o", "json")
				// Airflow's warnings go to stdout too: the answer is the last line.
				if out := lastLine(res.stdout); res.code != 0 || out != "[]" {
					t.Fatalf("list-import-errors: exit %d, last line %q, want []\n%s\n%s", res.code, out, res.stdout, res.stderr)
				}
			})
		}
	})

	t.Run("bad settings", func(t *testing.T) {
		// Each a parse error naming the variable; one Python process for all
		// (the import of the DAG file is what list-import-errors reports).
		cases := map[string]map[string]string{
			"ANIMETL_AIRFLOW_DEADLINE='25:00': want HH:MM or off":     {"ANIMETL_AIRFLOW_DEADLINE": "25:00"},
			"needs a daily ANIMETL_AIRFLOW_CRON":                      {"ANIMETL_AIRFLOW_CRON": "@hourly"},
			"ANIMETL_AIRFLOW_RETRIES='-1': want 0 or more":            {"ANIMETL_AIRFLOW_RETRIES": "-1"},
			"ANIMETL_AIRFLOW_RETRY_DELAY='soon': want a whole number": {"ANIMETL_AIRFLOW_RETRY_DELAY": "soon"},
		}
		spec, _ := json.Marshal(cases)
		python := filepath.Join(filepath.Dir(cmd), "python")
		res := base.exec(t, nil, python, "-c", importCheck, base.dags, string(spec))
		if res.code != 0 {
			t.Fatalf("import check: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(lastLine(res.stdout)), &got); err != nil {
			t.Fatalf("import check: %v\n%s\n%s", err, res.stdout, res.stderr)
		}
		for want := range cases {
			if !strings.Contains(got[want], want) {
				t.Errorf("importing the DAG with %v: error %q, want one with %q", cases[want], got[want], want)
			}
		}
	})

	for _, wh := range []string{"duckdb", "postgres"} {
		// One after the other: two Airflows side by side on two cores take
		// longer than one after the other.
		t.Run(wh, func(t *testing.T) {
			warehouse := "duckdb:" + filepath.Join(t.TempDir(), "w.duckdb")
			if wh == "postgres" {
				warehouse = pgWarehouse(t)
			}
			testDAGRuns(t, newAirflow(t, cmd, base.home), bin, warehouse, wh == "duckdb")
		})
	}
}

// importCheck imports the DAG file once per case of argv[2] (JSON: the
// error wanted -> the variables set) and prints {case: the error raised}.
const importCheck = `
import importlib, json, os, sys
sys.path.insert(0, sys.argv[1])
got = {}
for name, env in json.loads(sys.argv[2]).items():
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        sys.modules.pop("animetl_daily", None)
        importlib.import_module("animetl_daily")
        got[name] = "imported without error"
    except Exception as err:
        got[name] = str(err)
    finally:
        os.environ.clear()
        os.environ.update(saved)
print(json.dumps(got))
`

// testDAGRuns drives the DAG's runs into one warehouse.
func testDAGRuns(t *testing.T, af *airflow, bin, warehouse string, usageCase bool) {
	src := filepath.Join(t.TempDir(), "data")
	gen := [][]string{{"gen", "--out", src, "--rows", "20000"}}
	for _, day := range []string{"2026-11-28", "2026-11-29", "2026-11-30"} {
		gen = append(gen, []string{"gen", "--out", src, "--delta", day, "--rows", "500", "--deletes", "50"})
	}
	for _, args := range gen {
		if res := run(t, time.Minute, cleanEnv(), bin, args...); res.code != 0 {
			t.Fatalf("animetl %v: exit %d\n%s", args, res.code, res.stderr)
		}
	}
	// The DAG's runs are incremental: the first run is a full one, by hand.
	if res := run(t, 2*time.Minute, cleanEnv(), bin, "run", "--source", src, "--warehouse", warehouse,
		"--mode", "full", "--backfill", ":2026-11-27", "--json"); res.code != 0 {
		t.Fatalf("first full run: exit %d\n%s", res.code, res.stderr)
	}

	hook := &webhook{}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	const secret = "T0KEN-in-the-path"
	env := []string{
		"ANIMETL_BIN=" + bin,
		"ANIMETL_SOURCE=" + src,
		"ANIMETL_WAREHOUSE=" + warehouse,
		"ANIMETL_LOG_FORMAT=json",
		"ANIMETL_ALERT_WEBHOOK=" + srv.URL + "/hooks/" + secret,
		"ANIMETL_AIRFLOW_TZ=Asia/Tokyo",
		"ANIMETL_AIRFLOW_RETRIES=1",
		"ANIMETL_AIRFLOW_RETRY_DELAY=1",
		// apache/airflow#73428: `dags test` exits 1 after a success when a DeadlineAlert is set.
		"ANIMETL_AIRFLOW_DEADLINE=off",
	}
	runs := func() []map[string]any {
		return query(t, bin, warehouse, "SELECT run_id, mode, status, error FROM etl_run ORDER BY started_at, run_id")
	}
	published := func() string {
		rows := query(t, bin, warehouse, `SELECT count(*) AS n, CAST(sum(user_id) AS VARCHAR) AS users,
			CAST(sum(anime_id) AS VARCHAR) AS anime, CAST(sum(rating) AS VARCHAR) AS ratings,
			(SELECT count(*) FROM anime) AS catalogue FROM user_anime`)
		b, _ := json.Marshal(rows)
		return string(b)
	}

	// 05:00 in Tokyo on the 29th is 20:00 UTC on the 28th: the run applies
	// the days up to the 29th, its date in the DAG's zone, not the UTC date.
	res := af.run(t, env, "dags", "test", "animetl_daily", "2026-11-28T20:00:00+00:00")
	if res.code != 0 {
		t.Fatalf("dags test: exit %d, want 0\n%s\n%s", res.code, tail(res.stdout), tail(res.stderr))
	}
	out := res.stdout + res.stderr
	if !strings.Contains(out, "run --mode incremental --backfill :2026-11-29 --json") {
		t.Errorf("the run task's command is not for 2026-11-29 (the logical date in Asia/Tokyo):\n%s", grepLines(out, "Running command"))
	}
	if !strings.Contains(out, "check --json") {
		t.Errorf("the check task did not run:\n%s", grepLines(out, "Running command"))
	}
	ledger := runs()
	if len(ledger) != 2 {
		t.Fatalf("etl_run after the DAG run: %v, want the full run and one more", ledger)
	}
	last := ledger[1]
	if last["mode"] != "incremental" || last["status"] != "succeeded" {
		t.Fatalf("the DAG's run in etl_run: %v, want an incremental run that succeeded", last)
	}
	days := query(t, bin, warehouse, "SELECT DISTINCT CAST(delta_date AS VARCHAR) AS day FROM etl_file WHERE run_id = '"+
		last["run_id"].(string)+"' AND delta_date IS NOT NULL ORDER BY day")
	if got := fieldList(days, "day"); got != "2026-11-28,2026-11-29" {
		t.Errorf("delta days the DAG's run applied: %s, want 2026-11-28,2026-11-29", got)
	}
	if texts := hook.take(); len(texts) != 0 {
		t.Errorf("alerts after a successful run: %q", texts)
	}

	// A base file missing: each try fails (exit 1), Airflow retries once,
	// then the run fails, alerts, and the published data stays as it was.
	before := published()
	anime := filepath.Join(src, "anime.csv")
	if err := os.Rename(anime, anime+".away"); err != nil {
		t.Fatal(err)
	}
	res = af.run(t, env, "dags", "test", "animetl_daily", "2026-11-29T20:00:00+00:00")
	if err := os.Rename(anime+".away", anime); err != nil {
		t.Fatal(err)
	}
	out = res.stdout + res.stderr
	if res.code != 1 {
		t.Fatalf("dags test with anime.csv missing: exit %d, want 1\n%s", res.code, tail(out))
	}
	if n := strings.Count(out, "Command exited with return code 1"); n != 2 {
		t.Errorf("tries of the run task: %d, want 2 (the first and ANIMETL_AIRFLOW_RETRIES=1)\n%s", n, grepLines(out, "Command exited"))
	}
	if strings.Contains(out, "check --json") {
		t.Errorf("the check task ran after the run task failed")
	}
	if strings.Contains(out, secret) {
		t.Errorf("the webhook's secret path is in Airflow's output")
	}
	ledger = runs()
	if len(ledger) != 4 {
		t.Fatalf("etl_run after the failed DAG run: %v, want 2 more runs (one per try)", ledger)
	}
	for _, r := range ledger[2:] {
		if r["status"] != "failed" || !strings.Contains(r["error"].(string), "anime.csv") {
			t.Errorf("a try in etl_run: %v, want failed naming anime.csv", r)
		}
	}
	if after := published(); after != before {
		t.Errorf("published data changed by a failed run:\nbefore %s\nafter  %s", before, after)
	}
	texts := hook.take()
	if len(texts) != 1 || !strings.Contains(texts[0], "task run of the animetl_daily run of 2026-11-30T05:00:00+09:00 failed on try 2") {
		t.Errorf("alerts: %q, want one that the run task failed on try 2, dated in the DAG's zone", texts)
	}

	if !usageCase {
		return
	}
	// A configuration error (exit 2) cannot pass by retrying: one try.
	bad := append(env[:len(env):len(env)], "ANIMETL_MAX_REJECT_RATE=lots")
	res = af.run(t, bad, "dags", "test", "animetl_daily", "2026-11-30T20:00:00+00:00")
	out = res.stdout + res.stderr
	if res.code != 1 {
		t.Fatalf("dags test with a bad setting: exit %d, want 1\n%s", res.code, tail(out))
	}
	if n := strings.Count(out, "Command exited with return code"); n != 1 || !strings.Contains(out, "Command exited with return code 2") {
		t.Errorf("tries of the run task with a bad setting: %d, want 1 that exits 2\n%s", n, grepLines(out, "Command exited"))
	}
	if got := len(runs()); got != 4 {
		t.Errorf("etl_run holds %d runs after a usage error, want 4 (a usage error starts no run)", got)
	}
	if texts := hook.take(); len(texts) != 1 || !strings.Contains(texts[0], "failed on try 1") {
		t.Errorf("alerts: %q, want one that the run task failed on try 1", texts)
	}
}

// fieldList joins one field of rows with commas.
func fieldList(rows []map[string]any, field string) string {
	var vals []string
	for _, r := range rows {
		s, _ := r[field].(string)
		vals = append(vals, s)
	}
	return strings.Join(vals, ",")
}

// lastLine returns the last line of s that is not blank.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// grepLines returns the lines of s that hold sub.
func grepLines(s, sub string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// tail returns the last 60 lines of s.
func tail(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 60 {
		lines = lines[len(lines)-60:]
	}
	return strings.Join(lines, "\n")
}
