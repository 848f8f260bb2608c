package config_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/config"
)

// FuzzLoad: any file either loads, with every carrier settings its provider
// accepts, or fails with a *config.Error of invalid-argument problems that
// never repeats an environment variable's value.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		`{"carriers":{"us":{"provider":"twilio","account":"AC0123456789abcdef0123456789abcdef","credentials":{"auth_token_env":"T"},"retry":{"max_retries":3,"wait_min":"100ms"},"timeouts":{"attempt_timeout":"15s","timeout":"1m"}}}}`,
		`{"carriers":{"eu":{"provider":"twilio","region":"ie1","edge":"dublin"},"tx":{"provider":"texml","base_url":"http://127.0.0.1:1/v2"}}}`,
		`{"carriers":{"x":{"provider":"nope","retry":[],"timeouts":{"timeout":"-1s"}}}}`, `{}`, `[]`, `{"carriers":null}`, "\xff",
	} {
		f.Add([]byte(s))
	}
	const secret = "fuzz-SECRET-value"
	f.Setenv("TWILIO_AUTH_TOKEN", secret)
	f.Setenv("TELNYX_API_KEY", secret)
	f.Fuzz(func(t *testing.T, data []byte) {
		mux := providers.DefaultURLMux()
		cfg, err := config.Load(bytes.NewReader(data), mux)
		if err != nil {
			var ce *config.Error
			if !errors.As(err, &ce) || !errors.Is(err, participant.ErrInvalidArgument) {
				t.Fatalf("error %v (%T) is not a *config.Error of invalid arguments", err, err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error repeats a credential: %v", err)
			}
			return
		}
		for name, c := range cfg.Carriers {
			o, err := mux.Settings(c.Provider, "provider")
			if err == nil {
				err = o.CheckSettings(c.Settings)
			}
			if err != nil {
				t.Fatalf("carrier %s loaded, but its settings %s are refused: %v", name, c, err)
			}
		}
	})
}
