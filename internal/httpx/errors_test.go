package httpx_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/httpx"
	"github.com/carrierkit/carrierkit/internal/scrub"
)

// A transport error is replaced by a scrubbed *httpx.Error that keeps what
// the retry code and callers test for, and drops the *url.Error.
func TestTransportErrorKeepsWhatCallersTestFor(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused

	c := httpx.New(httpx.Options{Scrub: scrub.New(scrub.Secret{Value: "127.0.0.1"}),
		Options: driver.Options{Retry: &driver.RetryPolicy{}}})
	_, err = c.Do(context.Background(), &httpx.Request{Method: http.MethodGet, URL: "http://" + addr + "/x"})
	require.Error(t, err)
	var he *httpx.Error
	require.ErrorAs(t, err, &he)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.True(t, httpx.NotSent(err))
	var ue *url.Error
	assert.False(t, errors.As(err, &ue), "the *url.Error is not kept")
	assert.NotContains(t, err.Error(), "127.0.0.1", "scrubbed")
	assert.Nil(t, errors.Unwrap(err))

	// A hang: the attempt's bound is a timeout and a DeadlineExceeded.
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer hang.Close()
	done, stop := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		conn, err := hang.Accept()
		if err == nil {
			<-stop // never answer
			conn.Close()
		}
	}()
	c = httpx.New(httpx.Options{Options: driver.Options{Retry: &driver.RetryPolicy{}, AttemptTimeout: 50 * time.Millisecond}})
	_, err = c.Do(context.Background(), &httpx.Request{Method: http.MethodGet, URL: "http://" + hang.Addr().String() + "/x"})
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, httpx.NotSent(err))
	close(stop)
	<-done
}
