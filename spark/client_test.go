package spark

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/animetl/animetl"
)

func TestConnectDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing answers there now
	_, err = Connect(context.Background(), "sc://"+addr, time.Second)
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
	for _, bad := range []string{"http://x:1", "sc://", "x"} {
		if _, err := Connect(context.Background(), bad, time.Second); !errors.Is(err, animetl.ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", bad, err)
		}
	}
}

func TestConvert(t *testing.T) {
	st, _ := status.New(codes.Internal, "[PATH_NOT_FOUND] Path does not exist: file:/x.\n== Plan ==\nProject [...]").WithDetails(&errdetails.ErrorInfo{
		Reason:   "org.apache.spark.sql.AnalysisException",
		Metadata: map[string]string{"errorClass": "PATH_NOT_FOUND", "sqlState": "42K03"},
	})
	err := convert(st.Err())
	var se *Error
	if !errors.As(err, &se) || se.Class != "PATH_NOT_FOUND" || err.Error() != "spark: [PATH_NOT_FOUND] Path does not exist: file:/x." {
		t.Errorf("err = %v (%#v)", err, se)
	}
	err = convert(status.Error(codes.Unavailable, "connection refused\nmore"))
	if !errors.Is(err, ErrUnavailable) || strings.Contains(err.Error(), "more") {
		t.Errorf("err = %v", err)
	}
}

// TestConvertTaskFailure: a job a failed task aborted is worded by the
// task's error, as Spark 4.3 reported a task that ran out of heap.
func TestConvertTaskFailure(t *testing.T) {
	for _, c := range []struct{ msg, want string }{
		{"Job aborted due to stage failure: Task 0 in stage 4.0 failed 1 times, most recent failure: Lost task 0.0 in stage 4.0 (TID 3) (localhost executor driver): java.lang.OutOfMemoryError: Java heap space\n\tat java.base/...",
			"spark: job aborted, a task failed 1 times: java.lang.OutOfMemoryError: Java heap space"},
		{"Job aborted due to stage failure: Task 7 in stage 2.0 failed 4 times, most recent failure: Lost task 7.3 in stage 2.0 (TID 41) (ip-10-0-0-7.ec2.internal executor 3): ExecutorLostFailure (executor 3 exited caused by one of the running tasks) Reason: Container killed by YARN for exceeding memory limits.",
			"spark: job aborted, a task failed 4 times: ExecutorLostFailure (executor 3 exited caused by one of the running tasks) Reason: Container killed by YARN for exceeding memory limits."},
		{"Parent path is not a directory: file:/proc/1/status", "spark: Parent path is not a directory: file:/proc/1/status"},
	} {
		if got := convert(status.Error(codes.Internal, c.msg)); got.Error() != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}
