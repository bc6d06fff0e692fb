package spark

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"sync"
	"time"

	"github.com/apache/spark-connect-go/spark/client"
	"github.com/apache/spark-connect-go/spark/client/channel"
	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/credentials/oauth"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// The client cancels only its own stream when a context is done: the
// server runs the operation on (measured: a CTAS kept writing after the
// client gave up). It has no Interrupt on its session either, and its
// Stop does nothing. sessionTap fills the gap: an interceptor on the gRPC
// connection notes the session the client's requests carry, so that
// interrupt and release can send Spark Connect's Interrupt and
// ReleaseSession RPCs for it. The messages are built from the client's
// registered descriptors (its generated package is internal).
//
// One gap remains on Spark's side (Spark 4.3, local file system): an
// interrupt that lands while a write job is being set up can be swallowed
// by Hadoop's shell calls, and the job then runs to its end, even after
// ReleaseSession. Measured once; a run still fails at once, only the
// server stays busy.
type sessionTap struct {
	conn *grpc.ClientConn

	mu      sync.Mutex
	session string
	user    protoreflect.Message // the requests' UserContext
	// interrupted counts the operations the server said it interrupted.
	interrupted int
}

const (
	rpcInterrupt      = "/spark.connect.SparkConnectService/Interrupt"
	rpcReleaseSession = "/spark.connect.SparkConnectService/ReleaseSession"
	// interruptTimeout bounds an Interrupt or ReleaseSession sent after the
	// run's context is done.
	interruptTimeout = 10 * time.Second
)

// retryPolicy replaces the client's default, which retries an unreachable
// server 15 times with backoffs up to a minute (about ten minutes in all,
// in sleeps a context does not cut short): a server that died mid-run
// fails the run after about 15 s of retries instead.
var retryPolicy = func() client.RetryPolicy {
	p := client.DefaultRetryPolicy
	p.Name = "animetl"
	p.MaxRetries = 6
	p.InitialBackoff = 200 * time.Millisecond
	p.BackoffMultiplier = 3
	p.MaxBackoff = 5 * time.Second
	p.Jitter = 200 * time.Millisecond
	return p
}()

func init() { client.DefaultRetryPolicyRegistry = []client.RetryPolicy{retryPolicy} }

// note records the session of an outgoing request.
func (t *sessionTap) note(req any) {
	m, ok := req.(proto.Message)
	if !ok {
		return
	}
	r := m.ProtoReflect()
	fields := r.Descriptor().Fields()
	sid, uc := fields.ByName("session_id"), fields.ByName("user_context")
	if sid == nil || sid.Kind() != protoreflect.StringKind {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.session == "" {
		t.session = r.Get(sid).String()
		if uc != nil && r.Has(uc) {
			t.user = r.Get(uc).Message()
		}
	}
}

func (t *sessionTap) unary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	t.note(req)
	return invoker(ctx, method, req, reply, cc, opts...)
}

func (t *sessionTap) stream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, err
	}
	return &tappedStream{ClientStream: s, tap: t}, nil
}

type tappedStream struct {
	grpc.ClientStream
	tap *sessionTap
}

func (s *tappedStream) SendMsg(m any) error {
	s.tap.note(m)
	return s.ClientStream.SendMsg(m)
}

// call sends one of the session's RPCs, built from the registered message
// type name: session_id and user_context set, then set() for the rest.
func (t *sessionTap) call(ctx context.Context, method, reqType, respType string, set func(protoreflect.Message)) (protoreflect.Message, error) {
	t.mu.Lock()
	session, user := t.session, t.user
	t.mu.Unlock()
	if session == "" {
		return nil, nil // no request was sent: nothing runs
	}
	rt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(reqType))
	if err != nil {
		return nil, err
	}
	st, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(respType))
	if err != nil {
		return nil, err
	}
	req := rt.New()
	fields := req.Descriptor().Fields()
	req.Set(fields.ByName("session_id"), protoreflect.ValueOfString(session))
	if user != nil {
		req.Set(fields.ByName("user_context"), protoreflect.ValueOfMessage(user))
	}
	if set != nil {
		set(req)
	}
	resp := st.New()
	if err := t.conn.Invoke(ctx, method, req.Interface(), resp.Interface()); err != nil {
		return nil, err
	}
	return resp, nil
}

// interrupt asks the server to stop every operation of the session.
func (t *sessionTap) interrupt() error {
	ctx, cancel := context.WithTimeout(context.Background(), interruptTimeout)
	defer cancel()
	resp, err := t.call(ctx, rpcInterrupt, "spark.connect.InterruptRequest", "spark.connect.InterruptResponse", func(m protoreflect.Message) {
		fd := m.Descriptor().Fields().ByName("interrupt_type")
		if v := fd.Enum().Values().ByName("INTERRUPT_TYPE_ALL"); v != nil {
			m.Set(fd, protoreflect.ValueOfEnum(v.Number()))
		}
	})
	if err != nil || resp == nil {
		return err
	}
	if fd := resp.Descriptor().Fields().ByName("interrupted_ids"); fd != nil {
		t.mu.Lock()
		t.interrupted += resp.Get(fd).List().Len()
		t.mu.Unlock()
	}
	return nil
}

// release ends the session on the server, which interrupts what still
// runs in it and frees its state (temporary views, cached plans).
func (t *sessionTap) release() error {
	ctx, cancel := context.WithTimeout(context.Background(), interruptTimeout)
	defer cancel()
	_, err := t.call(ctx, rpcReleaseSession, "spark.connect.ReleaseSessionRequest", "spark.connect.ReleaseSessionResponse", nil)
	return err
}

// tappedBuilder is the client's channel builder with the tap's
// interceptors on the connection it dials; otherwise it dials as the
// client's own builder does (TLS and a bearer token when the sc:// URL
// carries a token).
type tappedBuilder struct {
	*channel.BaseBuilder
	tap *sessionTap
}

func (b *tappedBuilder) Build(ctx context.Context) (*grpc.ClientConn, error) {
	opts := []grpc.DialOption{
		grpc.WithAuthority(b.Host()),
		grpc.WithChainUnaryInterceptor(b.tap.unary),
		grpc.WithChainStreamInterceptor(b.tap.stream),
	}
	if b.Token() == "" {
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	} else {
		roots, err := x509.SystemCertPool()
		if err != nil {
			return nil, fmt.Errorf("spark: system certificates: %w", err)
		}
		opts = append(opts, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: roots})),
			grpc.WithPerRPCCredentials(oauth.TokenSource{TokenSource: oauth2.StaticTokenSource(
				&oauth2.Token{AccessToken: b.Token(), TokenType: "bearer"})}))
	}
	conn, err := grpc.NewClient(fmt.Sprintf("%v:%v", b.Host(), b.Port()), opts...)
	if err != nil {
		return nil, err
	}
	b.tap.conn = conn
	return conn, nil
}
