package spark

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/apache/spark-connect-go/spark/client/channel"
	"github.com/apache/spark-connect-go/spark/sparkerrors"
	"github.com/apache/spark-connect-go/spark/sql"
	"github.com/apache/spark-connect-go/spark/sql/types"
	"google.golang.org/grpc/codes"

	"github.com/animetl/animetl"
)

// connectSession is Session over github.com/apache/spark-connect-go.
type connectSession struct {
	s   sql.SparkSession
	tap *sessionTap
}

// Connect opens a session on the Spark Connect server at remote
// (sc://HOST:PORT). The client's Build does not connect, so Connect first
// dials the port (up to dialTimeout) and fails fast, wrapping
// ErrUnavailable, when nothing answers.
func Connect(ctx context.Context, remote string, dialTimeout time.Duration) (Session, error) {
	u, err := url.Parse(remote)
	if err != nil || u.Scheme != "sc" || u.Host == "" {
		return nil, fmt.Errorf("spark: remote %s: want sc://HOST:PORT: %w", animetl.Excerpt(remote), animetl.ErrConfig)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "15002")
	}
	d := net.Dialer{Timeout: dialTimeout}
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, fmt.Errorf("spark: connect %s: %w: %w", host, ErrUnavailable, err)
	}
	_ = c.Close()
	cb, err := channel.NewBuilder(remote)
	if err != nil {
		return nil, fmt.Errorf("spark: remote %s: %w", animetl.Excerpt(remote), animetl.ErrConfig)
	}
	tap := &sessionTap{}
	s, err := sql.NewSessionBuilder().WithChannelBuilder(&tappedBuilder{BaseBuilder: cb, tap: tap}).Build(ctx)
	if err != nil {
		return nil, fmt.Errorf("spark: session on %s: %w", host, convert(err))
	}
	return &connectSession{s: s, tap: tap}, nil
}

// interruptOnDone interrupts the session's operations when ctx is done
// while one runs (Ctrl-C): the client alone would leave it running on the
// server. The returned func ends the watch; when the interrupt was sent,
// it waits for the server's answer, so the operation has stopped when
// Exec or Query returns.
func (c *connectSession) interruptOnDone(ctx context.Context) func() {
	sent := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(sent)
		_ = c.tap.interrupt()
	})
	return func() {
		if !stop() {
			<-sent
		}
	}
}

func (c *connectSession) Exec(ctx context.Context, text string) error {
	defer c.interruptOnDone(ctx)()
	df, err := c.s.Sql(ctx, text)
	if err != nil {
		return c.fail(ctx, err)
	}
	// Sql runs commands eagerly; a query is run by collecting it.
	if _, err := df.Collect(ctx); err != nil {
		return c.fail(ctx, err)
	}
	return nil
}

func (c *connectSession) Query(ctx context.Context, text string) ([][]any, error) {
	defer c.interruptOnDone(ctx)()
	df, err := c.s.Sql(ctx, text)
	if err != nil {
		return nil, c.fail(ctx, err)
	}
	rows, err := df.Collect(ctx)
	if err != nil {
		return nil, c.fail(ctx, err)
	}
	out := make([][]any, len(rows))
	for i, r := range rows {
		vals := r.Values()
		row := make([]any, len(vals))
		for j, v := range vals {
			row[j] = goValue(v)
		}
		out[i] = row
	}
	return out, nil
}

// Close releases the session on the server (the client's Stop does
// nothing) and closes the connection.
func (c *connectSession) Close() error {
	err := c.tap.release()
	if c.tap.conn != nil {
		_ = c.tap.conn.Close()
	}
	if err != nil {
		return fmt.Errorf("spark: close session: %w", convert(err))
	}
	return nil
}

// fail converts an operation's error; when ctx is done, the operation
// was interrupted for it and ctx's error is the one to return.
func (c *connectSession) fail(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("spark: %w", ctx.Err())
	}
	return convert(err)
}

// goValue maps the client's values to the driver-neutral ones of Session.
func goValue(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	case float32:
		return float64(x)
	case float64:
		return x
	case string:
		return x
	case bool:
		return x
	case []byte:
		return x
	case *big.Int:
		return x.Int64()
	case types.Row:
		return fmt.Sprint(x.Values())
	}
	return fmt.Sprint(v)
}

// convert turns the client's errors into one readable line: Spark's error
// class and the first line of its message; a server that cannot be reached
// wraps ErrUnavailable.
func convert(err error) error {
	if err == nil {
		return nil
	}
	var se *sparkerrors.SparkError
	if !errors.As(err, &se) {
		if s := sparkerrors.FromRPCError(err); s != nil && s.Code != codes.Unknown {
			se = s
		}
	}
	if se != nil {
		if se.Code == codes.Unavailable || se.Code == codes.DeadlineExceeded && se.ErrorClass == "" {
			return fmt.Errorf("%w: %s", ErrUnavailable, firstLine(se.Message))
		}
		return &Error{Class: se.ErrorClass, Message: firstLine(taskCause(stripClass(se.Message, se.ErrorClass)))}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &Error{Message: firstLine(err.Error())}
}

// stripClass drops the "[CLASS] " prefix Spark puts before its messages.
func stripClass(msg, class string) string {
	if class != "" {
		msg = strings.TrimPrefix(msg, "["+class+"] ")
	}
	return msg
}

// lostTask matches Spark's message for a job a task failure aborted, up
// to the task's own error.
var lostTask = regexp.MustCompile(`^Job aborted due to stage failure: Task \S+ in stage \S+ failed (\d+) times?, most recent failure: Lost task .*? \(TID \d+\) \([^)]*\): `)

// taskCause shortens "Job aborted due to stage failure: Task 0 in stage
// 4.0 failed 1 times, most recent failure: Lost task 0.0 in stage 4.0 (TID
// 3) (host executor 1): java.lang.OutOfMemoryError: Java heap space" to
// its cause, which the task and stage numbers would push past a line.
func taskCause(msg string) string {
	m := lostTask.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	return "job aborted, a task failed " + m[1] + " times: " + msg[len(m[0]):]
}

// firstLine keeps the first line of a message: Spark's later lines are the
// query plan or context, not for a one-line error.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return animetl.FirstLine(s, 400)
}
