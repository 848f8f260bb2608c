package conformance

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// FuzzAnswers feeds an adapter arbitrary carrier answers (status and body)
// through an in-memory transport. Whatever comes back, Update must not
// panic, must succeed only on a 2xx it could decode, and must otherwise
// return a *participant.Error that keeps the status. seeds are bodies to
// start from, e.g. the vendor's real answers.
func FuzzAnswers(f *testing.F, newUpdater func(opts driver.Options) (participant.Updater, error),
	ref participant.Ref, seeds ...string) {
	for _, s := range append(seeds, "", "{}", "null", `{"errors":[]}`, `{"code":"x"}`, "<html>") {
		for _, status := range []int{200, 404, 429, 500} {
			f.Add(status, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		status = 200 + (status%400+400)%400 // 200..599
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
		})
		u, err := newUpdater(driver.Options{HTTPClient: &http.Client{Transport: rt},
			Retry: &driver.RetryPolicy{MaxRetries: 0}})
		if err != nil {
			t.Fatal(err)
		}
		p, err := u.Update(context.Background(), ref, participant.UpdateRequest{Muted: participant.Bool(true)})
		if err == nil {
			if status > 299 || p == nil || p.Provider != u.Capabilities().Provider {
				t.Fatalf("status %d body %q: success %+v", status, body, p)
			}
			return
		}
		var pe *participant.Error
		if !errors.As(err, &pe) || err.Error() == "" {
			t.Fatalf("status %d body %q: error %v is not a *participant.Error", status, body, err)
		}
		if pe.HTTPStatus != status {
			t.Fatalf("status %d body %q: error keeps status %d: %v", status, body, pe.HTTPStatus, err)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
