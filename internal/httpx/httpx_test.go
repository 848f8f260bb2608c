package httpx_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/httpx"
)

func TestParseRetryAfter(t *testing.T) {
	for in, want := range map[string]time.Duration{"0": 0, "7": 7 * time.Second, "99999999": 24 * time.Hour} {
		d, ok := httpx.ParseRetryAfter(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, d, in)
	}
	for _, in := range []string{"", "-1", "soon", "1.5"} {
		_, ok := httpx.ParseRetryAfter(in)
		assert.False(t, ok, in)
	}
	d, ok := httpx.ParseRetryAfter(time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat))
	assert.True(t, ok)
	assert.InDelta(t, 90, d.Seconds(), 2)
	d, ok = httpx.ParseRetryAfter("Fri, 31 Dec 1999 23:59:59 GMT")
	assert.True(t, ok)
	assert.Zero(t, d, "a date in the past means no wait")
}

func TestRetryable(t *testing.T) {
	resp := func(code int) *http.Response { return &http.Response{StatusCode: code} }
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	cases := []struct {
		name             string
		resp             *http.Response
		err              error
		idempotent, want bool
	}{
		{"429", resp(429), nil, false, true},
		{"503Idempotent", resp(503), nil, true, true},
		{"503Announce", resp(503), nil, false, false},
		{"500Idempotent", resp(500), nil, true, true},
		{"501", resp(501), nil, true, false},
		{"400", resp(400), nil, true, false},
		{"200", resp(200), nil, true, false},
		{"RefusedAnnounce", nil, refused, false, true},
		{"ResetIdempotent", nil, reset, true, true},
		{"ResetAnnounce", nil, reset, false, false},
		{"Canceled", nil, fmt.Errorf("x: %w", context.Canceled), true, false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, httpx.Retryable(tc.idempotent, tc.resp, tc.err), tc.name)
	}
	assert.True(t, httpx.NotSent(refused))
	assert.False(t, httpx.NotSent(reset))
}

func TestDoHeadersAndLogs(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.WriteHeader(201)
		fmt.Fprint(w, `{"ok":true}`)
	}))
	defer srv.Close()
	core, logs := observer.New(zapcore.DebugLevel)
	c := httpx.New(httpx.Options{Provider: "p", Options: driver.Options{Logger: zap.New(core), UserAgent: "myapp/2"}})
	resp, err := c.Do(context.Background(), &httpx.Request{Method: "POST", URL: srv.URL + "/a%2Fb?q=1",
		Authorization: "Basic c2VjcmV0", Body: []byte("Muted=true"), Idempotent: true})
	require.NoError(t, err)
	assert.Equal(t, 201, resp.Status)
	assert.Equal(t, `{"ok":true}`, string(resp.Body))
	assert.Equal(t, 1, resp.Attempts)
	assert.Equal(t, "carrierkit/"+driver.Version+" myapp/2", got.Get("User-Agent"))
	assert.Equal(t, "application/json", got.Get("Accept"))
	assert.Equal(t, "application/x-www-form-urlencoded", got.Get("Content-Type"))
	assert.Equal(t, "Basic c2VjcmV0", got.Get("Authorization"))

	require.Equal(t, 1, logs.Len())
	e := logs.All()[0].ContextMap()
	assert.Equal(t, "/a%2Fb", e["path"])
	assert.Equal(t, int64(201), e["status"])
	assert.Equal(t, int64(1), e["attempt"])
	assert.Contains(t, e, "latency")
	assert.NotContains(t, fmt.Sprint(e), "c2VjcmV0")
}

func TestBodyBound(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Repeat("x", 2048))
	}))
	defer srv.Close()
	c := httpx.New(httpx.Options{Options: driver.Options{MaxBodyBytes: 1024}})
	_, err := c.Do(context.Background(), &httpx.Request{Method: "GET", URL: srv.URL})
	assert.ErrorIs(t, err, httpx.ErrBodyTooLarge)
	c = httpx.New(httpx.Options{Options: driver.Options{MaxBodyBytes: 2048}})
	resp, err := c.Do(context.Background(), &httpx.Request{Method: "GET", URL: srv.URL})
	require.NoError(t, err)
	assert.Len(t, resp.Body, 2048)
}

type countingTransport struct {
	n    atomic.Int32
	base http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

func TestPolicyHooksAndInjectedClient(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(418)
	}))
	defer srv.Close()
	tr := &countingTransport{base: http.DefaultTransport}
	var backoffs atomic.Int32
	c := httpx.New(httpx.Options{Options: driver.Options{
		HTTPClient: &http.Client{Transport: tr},
		Retry: &driver.RetryPolicy{MaxRetries: 2,
			CheckRetry: func(_ context.Context, idempotent bool, resp *http.Response, err error) bool {
				return resp != nil && resp.StatusCode == 418
			},
			Backoff: func(_, _ time.Duration, attempt int, _ *http.Response) time.Duration {
				backoffs.Add(1)
				return time.Millisecond
			}},
	}})
	resp, err := c.Do(context.Background(), &httpx.Request{Method: "GET", URL: srv.URL})
	require.NoError(t, err)
	assert.Equal(t, 418, resp.Status, "the last response is returned when retries run out")
	assert.Equal(t, 3, resp.Attempts)
	assert.EqualValues(t, 3, hits.Load())
	assert.EqualValues(t, 3, tr.n.Load(), "the injected client carried every attempt")
	assert.EqualValues(t, 2, backoffs.Load(), "Backoff runs once per retry")

	c = httpx.New(httpx.Options{Options: driver.Options{Retry: &driver.RetryPolicy{MaxRetries: 0}}})
	hits.Store(0)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1); w.WriteHeader(503) })
	resp, err = c.Do(context.Background(), &httpx.Request{Method: "GET", URL: srv.URL, Idempotent: true})
	require.NoError(t, err)
	assert.Equal(t, 503, resp.Status)
	assert.EqualValues(t, 1, hits.Load(), "MaxRetries 0 means one attempt")
}

func TestTransportErrorKeepsContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // now refused
	c := httpx.New(httpx.Options{Options: driver.Options{Retry: &driver.RetryPolicy{MaxRetries: 1, WaitMin: time.Millisecond, WaitMax: time.Millisecond}}})
	resp, err := c.Do(context.Background(), &httpx.Request{Method: "POST", URL: "http://" + addr + "/x", Body: []byte("a=b")})
	require.Error(t, err)
	assert.True(t, httpx.NotSent(err))
	assert.Equal(t, 2, resp.Attempts, "a refused connection is retried even for a non-idempotent request")
	assert.False(t, errors.Is(err, context.Canceled))
}

func TestMaxConnsPerHost(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(5 * time.Millisecond)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := httpx.New(httpx.Options{Options: driver.Options{MaxConnsPerHost: 2}})
	done := make(chan error, 16)
	for range 16 {
		go func() {
			_, err := c.Do(context.Background(), &httpx.Request{Method: "GET", URL: srv.URL})
			done <- err
		}()
	}
	for range 16 {
		require.NoError(t, <-done)
	}
	assert.LessOrEqual(t, conns.Load(), int32(2), "16 concurrent requests through a pool capped at 2")
}

type closeCounter struct {
	http.RoundTripper
	closes atomic.Int32
}

func (c *closeCounter) CloseIdleConnections() { c.closes.Add(1) }

func TestPoolKeptAfterFailures(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close() // no answer
	}))
	defer srv.Close()
	tr := &closeCounter{RoundTripper: http.DefaultTransport}
	c := httpx.New(httpx.Options{Options: driver.Options{HTTPClient: &http.Client{Transport: tr},
		Retry: &driver.RetryPolicy{MaxRetries: 1, WaitMin: time.Millisecond, WaitMax: time.Millisecond}}})
	_, err := c.Do(context.Background(), &httpx.Request{Method: "GET", URL: srv.URL, Idempotent: true})
	require.Error(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Do(ctx, &httpx.Request{Method: "GET", URL: srv.URL})
	require.Error(t, err)
	assert.Zero(t, tr.closes.Load(), "a failed request must not empty the caller's pool")
	c.CloseIdleConnections()
	assert.EqualValues(t, 1, tr.closes.Load())
}

func TestRedirectsNotFollowed(t *testing.T) {
	var gets atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/elsewhere", http.StatusMovedPermanently)
			return
		}
		gets.Add(1)
	}))
	defer srv.Close()
	for _, hc := range []*http.Client{nil, {}} { // the default client and an injected one
		c := httpx.New(httpx.Options{Options: driver.Options{HTTPClient: hc}})
		resp, err := c.Do(context.Background(), &httpx.Request{Method: "POST", URL: srv.URL + "/moved",
			Authorization: "Basic c2VjcmV0", Body: []byte("Muted=true")})
		require.NoError(t, err)
		assert.Equal(t, http.StatusMovedPermanently, resp.Status, "the redirect is the answer")
	}
	assert.Zero(t, gets.Load(), "a POST is never replayed as a GET elsewhere")
}

// TestBackoffAndWait: the shared pieces the client and the router wait with.
func TestBackoffAndWait(t *testing.T) {
	p := driver.RetryPolicy{WaitMin: 100 * time.Millisecond, WaitMax: time.Second}.WithDefaults()
	for i, want := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		800 * time.Millisecond, time.Second} {
		assert.Equal(t, want, httpx.Backoff(&p, i, nil), "retry %d", i)
	}
	assert.Equal(t, time.Second, httpx.Backoff(&p, 200, nil), "no overflow past WaitMax")
	p.Backoff = func(lo, hi time.Duration, i int, _ *http.Response) time.Duration { return lo + hi + time.Duration(i) }
	assert.Equal(t, 1100*time.Millisecond+3, httpx.Backoff(&p, 3, nil))

	assert.True(t, httpx.WaitFits(context.Background(), time.Hour), "no deadline: any wait fits")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	assert.True(t, httpx.WaitFits(ctx, time.Millisecond))
	assert.False(t, httpx.WaitFits(ctx, time.Hour))

	require.NoError(t, httpx.Wait(context.Background(), 0))
	require.NoError(t, httpx.Wait(ctx, time.Millisecond))
	cancel()
	require.ErrorIs(t, httpx.Wait(ctx, 0), context.Canceled, "an ended context fails even a zero wait")
	require.ErrorIs(t, httpx.Wait(ctx, time.Hour), context.Canceled)
}
