package httpx_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/httpx"
	"github.com/carrierkit/carrierkit/internal/scrub"
	"github.com/carrierkit/carrierkit/participant"
)

func fast(retries int) *driver.RetryPolicy {
	return &driver.RetryPolicy{MaxRetries: retries, WaitMin: time.Millisecond, WaitMax: time.Millisecond}
}

// A certificate the client does not trust: nothing was sent, the cause is
// reachable with errors.As, and it is not retried in place (it would fail
// the same way).
func TestUntrustedCertificateIsNotSentAndKeptInChain(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := httpx.New(httpx.Options{Options: driver.Options{Retry: fast(3)}})
	defer c.CloseIdleConnections()
	resp, err := c.Do(context.Background(), &httpx.Request{Method: "POST", URL: srv.URL + "/x", Body: []byte("a=b")})
	require.Error(t, err)
	assert.True(t, httpx.NotSent(err))
	assert.False(t, resp.Ambiguous)
	assert.Equal(t, 1, resp.Attempts, "an untrusted certificate is not retried in place")
	assert.Zero(t, hits.Load())
	_, ok := errors.AsType[*tls.CertificateVerificationError](err)
	assert.True(t, ok, "the *tls.CertificateVerificationError is in the chain: %v", err)
	_, ok = errors.AsType[x509.UnknownAuthorityError](err)
	assert.True(t, ok, "the x509 error is in the chain")
}

// A name that does not resolve: nothing was sent, *net.DNSError and the
// dial's *net.OpError are reachable.
func TestDNSFailureIsNotSent(t *testing.T) {
	noDNS := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS server in tests")
	}}
	tr := httpx.NewTransport()
	tr.DialContext = (&net.Dialer{Resolver: noDNS}).DialContext
	c := httpx.New(httpx.Options{Options: driver.Options{HTTPClient: &http.Client{Transport: tr}, Retry: fast(0)}})
	defer c.CloseIdleConnections()
	resp, err := c.Do(context.Background(), &httpx.Request{Method: "POST", URL: "http://carrier.example/x", Body: []byte("a=b")})
	require.Error(t, err)
	assert.True(t, httpx.NotSent(err))
	assert.False(t, resp.Ambiguous)
	_, ok := errors.AsType[*net.DNSError](err)
	assert.True(t, ok, "the *net.DNSError is in the chain: %v", err)
	op, ok := errors.AsType[*net.OpError](err)
	require.True(t, ok)
	assert.Equal(t, "dial", op.Op)
}

// A refused connection keeps its *net.OpError, unless a form of it holds a
// secret (here the address is the "secret": it is dropped, the text is
// scrubbed).
func TestOpErrorKeptUnlessItHoldsASecret(t *testing.T) {
	url := refusedURL(t)
	c := httpx.New(httpx.Options{Options: driver.Options{Retry: fast(0)}})
	_, err := c.Do(context.Background(), &httpx.Request{Method: "GET", URL: url})
	op, ok := errors.AsType[*net.OpError](err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "dial", op.Op)

	c = httpx.New(httpx.Options{Scrub: scrub.New(scrub.Secret{Value: "127.0.0.1"}), Options: driver.Options{Retry: fast(0)}})
	_, err = c.Do(context.Background(), &httpx.Request{Method: "GET", URL: url})
	_, ok = errors.AsType[*net.OpError](err)
	assert.False(t, ok, "an error whose text holds a secret is not kept")
	for _, txt := range scrub.Texts(err) {
		assert.NotContains(t, txt, "127.0.0.1")
	}
	assert.True(t, httpx.NotSent(err))
}

func refusedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr + "/x"
}

// The retry budget in the context bounds the attempts, whatever the
// client's own policy allows.
func TestRetryBudgetBoundsAttempts(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c := httpx.New(httpx.Options{Options: driver.Options{Retry: fast(3)}})
	for budget, want := range map[int]int{0: 1, 1: 2, 9: 4} {
		hits.Store(0)
		ctx := participant.WithRetryBudget(context.Background(), budget)
		resp, err := c.Do(ctx, &httpx.Request{Method: "POST", URL: srv.URL, Body: []byte("a=b")})
		require.NoError(t, err)
		assert.Equal(t, want, resp.Attempts, "budget %d", budget)
		assert.EqualValues(t, want, hits.Load(), "budget %d", budget)
		assert.False(t, resp.Ambiguous, "a 429 settles that the carrier did not act")
	}
}

// A 5xx on any attempt makes the whole request ambiguous, whatever the
// later attempts got.
func TestAmbiguousStaysSet(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if hits.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c := httpx.New(httpx.Options{Options: driver.Options{Retry: fast(1)}})
	resp, err := c.Do(context.Background(), &httpx.Request{Method: "POST", URL: srv.URL, Idempotent: true})
	require.NoError(t, err)
	assert.Equal(t, 429, resp.Status)
	assert.True(t, resp.Ambiguous)
}
