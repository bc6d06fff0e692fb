package animetl

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// FailpointEnv names the environment variable that arms a failpoint, for
// crash tests: ANIMETL_FAILPOINT=publish makes a run stop at the failpoint
// "publish" (it announces it on stderr and sleeps) so a test can kill it
// there. Unset, failpoints cost one map lookup.
const FailpointEnv = "ANIMETL_FAILPOINT"

var (
	failpointOnce sync.Once
	failpointArm  map[string]bool
)

// Failpoint stops the process at the named point when FailpointEnv names
// it (a comma-separated list is allowed). It prints
// "animetl: failpoint NAME reached" on stderr and sleeps for an hour; the
// test that armed it kills the process.
func Failpoint(name string) {
	failpointOnce.Do(func() {
		failpointArm = map[string]bool{}
		for _, n := range strings.Split(os.Getenv(FailpointEnv), ",") {
			if n = strings.TrimSpace(n); n != "" {
				failpointArm[n] = true
			}
		}
	})
	if failpointArm[name] {
		fmt.Fprintf(os.Stderr, "animetl: failpoint %s reached\n", name)
		time.Sleep(time.Hour)
	}
}
