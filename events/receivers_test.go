package events_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/events"
)

// Every receiver is described once, with what a tool needs to build it,
// and New builds a receiver for its own provider's carrier that verifies
// nothing unsigned.
func TestReceivers(t *testing.T) {
	rcvs := events.Receivers()
	require.NotEmpty(t, rcvs)
	var providers []string
	envs := map[string]bool{}
	for _, r := range rcvs {
		providers = append(providers, r.Provider)
		assert.NotEmpty(t, events.CarrierEvents(r.Provider), "%s: its parser maps no event", r.Provider)
		assert.NotContains(t, r.Description, "\n", r.Provider)
		values := make([]string, len(r.Secrets))
		for i, s := range r.Secrets {
			assert.False(t, envs[s.Env], "%s: %s is another receiver's too", r.Provider, s.Env)
			envs[s.Env] = true
			values[i] = "secret"
			if s.Format != "" { // the one formatted secret: an Ed25519 key
				values[i] = base64.StdEncoding.EncodeToString(make([]byte, ed25519.PublicKeySize))
			}
		}
		rcv, err := r.New(values, events.URLSource{PublicURL: "https://hooks.example.com"})
		require.NoError(t, err, r.Provider)
		req := httptest.NewRequest(rcv.Methods()[0], "/"+r.Provider, strings.NewReader("a=b"))
		assert.ErrorIs(t, rcv.Verify(req, []byte("a=b")), events.ErrMissingSignature, r.Provider)
	}
	assert.IsIncreasing(t, providers, "sorted by provider, each once")
	// Receivers hands out copies.
	rcvs[0].Secrets[0].Env = "CHANGED"
	assert.NotEqual(t, "CHANGED", events.Receivers()[0].Secrets[0].Env)
}

// A bad value is refused without being repeated.
func TestReceiverBadSecret(t *testing.T) {
	for _, r := range events.Receivers() {
		for i, s := range r.Secrets {
			if s.Format == "" {
				continue
			}
			values := make([]string, len(r.Secrets))
			for j := range values {
				values[j] = "secret"
			}
			values[i] = "not-a-key"
			_, err := r.New(values, events.URLSource{})
			require.Error(t, err, r.Provider)
			assert.NotContains(t, err.Error(), "not-a-key")
		}
	}
}
