package providers_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	_ "github.com/carrierkit/carrierkit/providers/texml"
	"github.com/carrierkit/carrierkit/providers/twilio"
)

// FuzzOpenURL: any URL either opens an adapter (nothing is sent) or fails
// with an invalid-argument *participant.Error that never repeats a
// credential; checking agrees with opening.
func FuzzOpenURL(f *testing.F) {
	for _, s := range []string{
		"twilio://?region=ie1&edge=dublin", "twilio://?base_url=http%3A%2F%2F127.0.0.1%3A1&max_retries=2&wait_min=1ms",
		"texml://?account=6c1d1f3e-93b2-4c43-b6e5-0f7b1d2c9a10&attempt_timeout=1s&timeout=5s",
		"twilio://user:pw@host/path?x=1#f", "texml://?timeout=-1s&attempt_timeout=abc", "nope://", "://", "twilio://?region=zz9",
	} {
		f.Add(s)
	}
	const secret = "fuzz-SECRET-value"
	f.Setenv(twilio.EnvAccountSID, "AC0123456789abcdef0123456789abcdef")
	f.Setenv(twilio.EnvAuthToken, secret)
	f.Setenv("TELNYX_API_KEY", secret)
	f.Setenv(twilio.EnvRegion, "")
	f.Setenv(twilio.EnvEdge, "")
	f.Fuzz(func(t *testing.T, s string) {
		mux := providers.DefaultURLMux()
		u, err := mux.OpenUpdater(context.Background(), s)
		if err != nil {
			var pe *participant.Error
			if !errors.As(err, &pe) || !errors.Is(err, participant.ErrInvalidArgument) {
				t.Fatalf("OpenUpdater(%q): %v (%T) is not an invalid-argument *participant.Error", s, err, err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error repeats a credential: %v", err)
			}
			return
		}
		if u == nil {
			t.Fatalf("OpenUpdater(%q): no updater and no error", s)
		}
		parsed, perr := url.Parse(s)
		if perr != nil {
			t.Fatalf("opened %q, which does not parse: %v", s, perr)
		}
		if err := mux.CheckUpdaterURL(parsed); err != nil {
			t.Fatalf("opened %q, but checking it fails: %v", s, err)
		}
	})
}
