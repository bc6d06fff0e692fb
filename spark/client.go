package spark

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/apache/spark-connect-go/spark/sparkerrors"
	"github.com/apache/spark-connect-go/spark/sql"
	"github.com/apache/spark-connect-go/spark/sql/types"
	"google.golang.org/grpc/codes"

	"github.com/animetl/animetl"
)

// connectSession is Session over github.com/apache/spark-connect-go.
type connectSession struct {
	s sql.SparkSession
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
	s, err := sql.NewSessionBuilder().Remote(remote).Build(ctx)
	if err != nil {
		return nil, fmt.Errorf("spark: session on %s: %w", host, convert(err))
	}
	return &connectSession{s: s}, nil
}

func (c *connectSession) Exec(ctx context.Context, text string) error {
	df, err := c.s.Sql(ctx, text)
	if err != nil {
		return convert(err)
	}
	// Sql runs commands eagerly; a query is run by collecting it.
	if _, err := df.Collect(ctx); err != nil {
		return convert(err)
	}
	return nil
}

func (c *connectSession) Query(ctx context.Context, text string) ([][]any, error) {
	df, err := c.s.Sql(ctx, text)
	if err != nil {
		return nil, convert(err)
	}
	rows, err := df.Collect(ctx)
	if err != nil {
		return nil, convert(err)
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

func (c *connectSession) Close() error {
	if err := c.s.Stop(); err != nil {
		return fmt.Errorf("spark: close session: %w", convert(err))
	}
	return nil
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
		return &Error{Class: se.ErrorClass, Message: firstLine(stripClass(se.Message, se.ErrorClass))}
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

// firstLine keeps the first line of a message: Spark's later lines are the
// query plan or context, not for a one-line error.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return animetl.FirstLine(s, 400)
}
