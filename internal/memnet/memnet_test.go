package memnet_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/memnet"
)

// A server's minute of latency passes at once on the bubble's clock, and
// the answer arrives as over TCP; an address nobody listens on is refused.
func TestServerUnderSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n memnet.Network
		srv := n.Server(t, "carrier.test:80", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			time.Sleep(time.Minute)
			_, _ = w.Write(append([]byte("got "), b...))
		}))
		c := n.Client()
		defer c.CloseIdleConnections()
		start := time.Now()
		for range 2 { // the second one reuses the connection
			resp, err := c.Post(srv.URL+"/x", "text/plain", strings.NewReader("hi"))
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, "got hi", string(b))
		}
		assert.Equal(t, 2*time.Minute, time.Since(start))

		_, err := c.Get("http://nobody.test:80/")
		assert.ErrorIs(t, err, syscall.ECONNREFUSED)

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/slow", nil)
		_, err = c.Do(req)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}
