package httpdriver_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/participant"
)

// TestForeignAnswer: a 404, 405 or 501 whose body is not the carrier's
// error shape (a wrong base URL, a static file server) carries
// ErrForeignAnswer, so a caller can tell it from a departed participant;
// the carrier's own 404, or an empty one, does not. The code stays
// ErrNotFound either way.
func TestForeignAnswer(t *testing.T) {
	for _, c := range []struct {
		name, body string
		status     int
		foreign    bool
	}{
		{"static file server", "404 page not found\n", http.StatusNotFound, true},
		{"html", "<html><body>Not Found</body></html>", http.StatusNotFound, true},
		{"not implemented", "not implemented", http.StatusNotImplemented, true},
		{"the carrier's error", `{"code":"not-found","message":"no such member"}`, http.StatusNotFound, false},
		{"empty", "", http.StatusNotFound, false},
		// plivo-go: "A 404 whose body is {} becomes Resource not found"
		// (action-verb-carriers.md): Plivo's bare 404 for a member that left.
		{"the carrier's bare JSON 404", "{}\n", http.StatusNotFound, false},
		{"a JSON null 404", "null", http.StatusNotFound, false},
		{"a 400 is the carrier refusing", "bad", http.StatusBadRequest, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			}))
			defer srv.Close()
			d := jsonDialect(false)
			d.DecodeError = func(b []byte) (string, string, error) {
				var e struct{ Code, Message string }
				if json.Unmarshal(b, &e) != nil {
					return "", "", nil
				}
				return e.Code, e.Message, nil
			}
			cl := carrierkit.New(httpdriver.New(d, httpdriver.Config{BaseURL: srv.URL, Account: "9900000",
				HTTP: driver.Options{Retry: &driver.RetryPolicy{}}}))
			_, err := cl.Fetch(context.Background(), ref)
			assert.Equal(t, c.foreign, errors.Is(err, httpdriver.ErrForeignAnswer), "%v", err)
			if c.status == http.StatusNotFound {
				assert.ErrorIs(t, err, participant.ErrNotFound)
			}
		})
	}
}
