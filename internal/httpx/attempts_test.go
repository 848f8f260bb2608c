package httpx_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/httpx"
)

// Every attempt, the first (sent before retryablehttp's loop) and the
// retries (sent by it), carries the whole request: method, URL, body,
// headers, and from the second on the Authorization that Authorize mints.
// The answer returned is the last attempt's.
func TestEveryAttemptSendsTheWholeRequest(t *testing.T) {
	type seen struct{ method, url, body, auth, ctype, ua string }
	for _, body := range []string{"Muted=true", ""} {
		var mu sync.Mutex
		var got []seen
		rt := roundTripper(func(r *http.Request) (*http.Response, error) {
			var b []byte
			if r.Body != nil {
				b, _ = io.ReadAll(r.Body)
				r.Body.Close()
			}
			mu.Lock()
			got = append(got, seen{r.Method, r.URL.String(), string(b), r.Header.Get("Authorization"),
				r.Header.Get("Content-Type"), r.Header.Get("User-Agent")})
			n := len(got)
			mu.Unlock()
			status := http.StatusServiceUnavailable
			if n == 3 {
				status = http.StatusOK
			}
			answer := "answer " + strconv.Itoa(n)
			return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(answer)),
				ContentLength: int64(len(answer)), Request: r}, nil
		})
		minted := 0
		c := httpx.New(httpx.Options{
			Authorize: func() (string, error) { minted++; return "Token " + strconv.Itoa(minted), nil },
			Options: driver.Options{HTTPClient: &http.Client{Transport: rt}, Retry: &driver.RetryPolicy{MaxRetries: 3,
				Backoff: func(_, _ time.Duration, _ int, _ *http.Response) time.Duration { return 0 }}},
		})
		req := &httpx.Request{Method: http.MethodPost, URL: "http://carrier.invalid/p/CA1.json",
			Authorization: "Token 0", Idempotent: true}
		if body != "" {
			req.Body = []byte(body)
		}
		resp, err := c.Do(context.Background(), req)
		require.NoError(t, err)
		assert.Equal(t, 3, resp.Attempts)
		assert.Equal(t, http.StatusOK, resp.Status)
		assert.Equal(t, "answer 3", string(resp.Body))
		require.Len(t, got, 3)
		for i, s := range got {
			want := seen{http.MethodPost, "http://carrier.invalid/p/CA1.json", body, "Token " + strconv.Itoa(i), "",
				"carrierkit/" + driver.Version}
			if body != "" {
				want.ctype = "application/x-www-form-urlencoded"
			}
			assert.Equal(t, want, s, "attempt %d, body %q", i+1, body)
		}
	}
}
