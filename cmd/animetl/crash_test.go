package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/animetl/animetl"
	"github.com/animetl/animetl/duckdb"
	"github.com/animetl/animetl/internal/contract"
	"github.com/animetl/animetl/postgres"
	"github.com/animetl/animetl/synth"
)

// process is an animetl run in a process of its own.
type process struct {
	cmd    *exec.Cmd
	runID  string
	mu     sync.Mutex
	stderr strings.Builder
	marks  chan string // failpoints reached
	done   chan error
}

var runIDRe = regexp.MustCompile(`run_id=(\S+)`)

// start runs the test binary as `animetl args...`, with env added.
func start(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "ANIMETL_TEST_AS_CLI=1"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, marks: make(chan string, 4), done: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.stderr.WriteString(line + "\n")
			if m := runIDRe.FindStringSubmatch(line); m != nil && p.runID == "" {
				p.runID = m[1]
			}
			p.mu.Unlock()
			if strings.Contains(line, "failpoint") && strings.Contains(line, "reached") {
				p.marks <- line
			}
		}
		p.done <- cmd.Wait()
	}()
	return p
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

func (p *process) kill(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// backend is a warehouse under test, reachable from the test and from
// animetl processes.
type backend struct {
	name string
	spec string // --warehouse
	open func(t *testing.T) animetl.Warehouse
}

func backends(t *testing.T) []backend {
	dir := t.TempDir()
	path := filepath.Join(dir, "crash.duckdb")
	out := []backend{{
		name: "duckdb", spec: "duckdb:" + path,
		open: func(t *testing.T) animetl.Warehouse {
			w, err := duckdb.Open(duckdb.Options{Path: path, LockTimeout: 30 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { w.Close() })
			return w
		},
	}}
	base := os.Getenv("ANIMETL_TEST_POSTGRES")
	if base == "" {
		t.Log("PostgreSQL crash tests skipped: set ANIMETL_TEST_POSTGRES (make test does)")
		return out
	}
	spec := contract.NewPostgresDB(t)
	return append(out, backend{
		name: "postgres", spec: spec,
		open: func(t *testing.T) animetl.Warehouse {
			w, err := postgres.Open(context.Background(), postgres.Options{URL: spec, LockTimeout: 30 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { w.Close() })
			return w
		},
	})
}

// state is what a reader sees of a warehouse, read in one statement (one
// snapshot): sizes and checksums of the fact table and of the mart, enough
// to tell two published states apart.
func state(t *testing.T, q animetl.Querier) string {
	r := contract.QueryAll(t, q, `SELECT
		(SELECT count(*) FROM user_anime),
		(SELECT SUM((CAST(user_id AS BIGINT) * 31 + anime_id) * 7 + COALESCE(rating, 0) * 13 + watching_status * 3 + watched_episodes) FROM user_anime),
		(SELECT count(*) FROM anime_stats),
		(SELECT SUM(list_users * anime_id + ratings * 7 + watching * 11) FROM anime_stats)`)
	return strings.Join(r[0], "/")
}

// inputs returns two sources: A (the base) and B (the base and two delta days).
func inputs(t *testing.T) (a, b string) {
	a, _ = contract.Gen(t, contract.Generated)
	b = contract.CopyDir(t, a)
	for i, day := range []string{"2026-11-27", "2026-11-28"} {
		if _, err := synth.WriteDelta(context.Background(), b, synth.DeltaConfig{Date: day, Rows: 3000, Deletes: 300, Seed: uint64(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	return a, b
}

func runCLI(t *testing.T, args ...string) {
	t.Helper()
	if code, out, stderr := cli(t, args...); code != exitOK {
		t.Fatalf("animetl %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, stderr)
	}
}

// watch reads the warehouse over and over until stop is closed and fails
// the test if it ever sees a state other than the allowed ones.
func watch(t *testing.T, wh animetl.Warehouse, allowed map[string]bool, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-stop:
			return
		case <-time.After(20 * time.Millisecond):
		}
		s := state(t, wh)
		if !allowed[s] {
			t.Errorf("a reader saw a state that is neither the old nor the new one: %s", s)
			return
		}
	}
}

// TestKillAtEveryPhase kills real runs with SIGKILL at each phase (and at
// random moments): readers only ever see the old or the new complete state,
// the published state survives the kill, and the next run cleans up and
// converges to what an uninterrupted run gives.
func TestKillAtEveryPhase(t *testing.T) {
	dirA, dirB := inputs(t)
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			wh := be.open(t)
			runCLI(t, "run", "--source", dirB, "--warehouse", be.spec)
			stateB := state(t, wh)
			runCLI(t, "run", "--source", dirA, "--warehouse", be.spec)
			stateA := state(t, wh)
			if stateA == stateB {
				t.Fatal("inputs A and B give the same state")
			}
			allowed := map[string]bool{stateA: true, stateB: true}
			type attempt struct {
				mode, failpoint string
				delay           time.Duration // kill after this long when failpoint is empty
			}
			var attempts []attempt
			for _, mode := range []string{"full", "incremental"} {
				for _, fp := range []string{"begun", "load", "finalize", "checks", "publish"} {
					attempts = append(attempts, attempt{mode: mode, failpoint: fp})
				}
				for i := 0; i < 3; i++ {
					attempts = append(attempts, attempt{mode: mode, delay: time.Duration(rand.IntN(1500)) * time.Millisecond})
				}
			}
			for _, at := range attempts {
				name := at.mode + "/" + at.failpoint
				if at.failpoint == "" {
					name = fmt.Sprintf("%s/after %s", at.mode, at.delay)
				}
				stop := make(chan struct{})
				var wg sync.WaitGroup
				wg.Add(1)
				go watch(t, wh, allowed, stop, &wg)
				var env []string
				if at.failpoint != "" {
					env = append(env, animetl.FailpointEnv+"="+at.failpoint)
				}
				p := start(t, env, "run", "--source", dirB, "--warehouse", be.spec, "--mode", at.mode, "--progress", "never")
				if at.failpoint != "" {
					select {
					case <-p.marks:
					case err := <-p.done:
						t.Fatalf("%s: the run ended (%v) before its failpoint:\n%s", name, err, p.output())
					case <-time.After(60 * time.Second):
						t.Fatalf("%s: the failpoint was not reached:\n%s", name, p.output())
					}
				} else {
					time.Sleep(at.delay)
				}
				p.kill(t)
				close(stop)
				wg.Wait()
				after := state(t, wh)
				if at.failpoint != "" && after != stateA {
					t.Errorf("%s: the published state changed although the run died before publishing", name)
				}
				if !allowed[after] {
					t.Fatalf("%s: after the kill the warehouse holds neither state", name)
				}
				// The next run finds what the dead one left and converges.
				runCLI(t, "run", "--source", dirB, "--warehouse", be.spec, "--mode", at.mode)
				if got := state(t, wh); got != stateB {
					t.Errorf("%s: the run after the kill gives %s, an uninterrupted run %s", name, got, stateB)
				}
				if at.failpoint != "" && p.runID != "" {
					rows := contract.QueryAll(t, wh, "SELECT status FROM etl_run WHERE run_id = $1", p.runID)
					if len(rows) != 1 || rows[0][0] != string(animetl.StatusAbandoned) {
						t.Errorf("%s: the killed run %s is recorded as %v, want abandoned", name, p.runID, rows)
					}
				}
				runCLI(t, "run", "--source", dirA, "--warehouse", be.spec) // back to A
			}
		})
	}
}

// TestRunsNeverOverlap starts two runs on one warehouse at once.
func TestRunsNeverOverlap(t *testing.T) {
	dirA, dirB := inputs(t)
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			wh := be.open(t)
			runCLI(t, "run", "--source", dirA, "--warehouse", be.spec)
			stateA := state(t, wh)
			runCLI(t, "run", "--source", dirB, "--warehouse", be.spec)
			stateB := state(t, wh)

			// A short lock timeout: one run wins, the other fails cleanly naming it.
			pa := start(t, nil, "run", "--source", dirA, "--warehouse", be.spec, "--lock-timeout", "200ms", "--progress", "never")
			pb := start(t, nil, "run", "--source", dirB, "--warehouse", be.spec, "--lock-timeout", "200ms", "--progress", "never")
			errA, errB := <-pa.done, <-pb.done
			if (errA == nil) == (errB == nil) {
				t.Fatalf("want exactly one of two overlapping runs to fail; A: %v, B: %v\n%s\n%s", errA, errB, pa.output(), pb.output())
			}
			loser, want := pb, stateA
			if errA != nil {
				loser, want = pa, stateB
			}
			if code := loser.cmd.ProcessState.ExitCode(); code != exitFailed {
				t.Errorf("the losing run exited %d, want %d", code, exitFailed)
			}
			out := loser.output()
			if !strings.Contains(out, "locked by run") || !strings.Contains(out, "pid") {
				t.Errorf("the losing run does not name the holder:\n%s", out)
			}
			if got := state(t, wh); got != want {
				t.Errorf("after the race the warehouse is not the winner's whole input")
			}

			// A long lock timeout: the second waits, then runs; the data is the last input.
			pa = start(t, nil, "run", "--source", dirA, "--warehouse", be.spec, "--lock-timeout", "2m", "--progress", "never")
			time.Sleep(50 * time.Millisecond)
			pb = start(t, nil, "run", "--source", dirB, "--warehouse", be.spec, "--lock-timeout", "2m", "--progress", "never")
			if errA, errB := <-pa.done, <-pb.done; errA != nil || errB != nil {
				t.Fatalf("waiting runs failed: %v %v\n%s\n%s", errA, errB, pa.output(), pb.output())
			}
			if got := state(t, wh); got != stateA && got != stateB {
				t.Error("after two waiting runs the warehouse is not one whole input")
			}
		})
	}
}
