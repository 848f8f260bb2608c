package httpdriver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/participant"
)

// TestCanceledWhileWaitingToRetry: an update answered 429, then the caller
// cancels while the client waits to send it again. The carrier answered
// and did not act, and nothing more was sent: the error must not say the
// update may have acted (for an announcement: may have played).
func TestCanceledWhileWaitingToRetry(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	policy := &driver.RetryPolicy{MaxRetries: 1, Backoff: func(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
		cancel()           // the caller gives up while the client waits
		return time.Second // within the client's Timeout, so it is waited
	}}
	d := jsonDialect(false)
	d.Update.NoContent = false
	d.Update.Decode = decodeMember
	c := carrierkit.New(httpdriver.New(d, httpdriver.Config{BaseURL: srv.URL, Account: "9900000", HTTP: driver.Options{Retry: policy}}))
	_, err := c.Update(ctx, participant.Ref{Conference: "conf-1", Call: "c-1"},
		participant.UpdateRequest{Muted: participant.Bool(true)})
	require.Error(t, err)
	assert.EqualValues(t, 1, hits.Load())
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, participant.DeliveryAnswered, participant.DeliveryOf(err), "%v", err)
}
