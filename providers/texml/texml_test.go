package texml_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/conformance"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/texml"
)

func TestNewConfig(t *testing.T) {
	c, err := texml.New(texml.Config{APIKey: "k"})
	require.NoError(t, err)
	assert.Equal(t, "https://api.telnyx.com/v2", baseURL(t, c))
	assert.False(t, c.Capabilities().Supports(participant.FieldWaitMethod))
	assert.True(t, c.Capabilities().Supports(participant.FieldWaitURL))

	for field, cfg := range map[string]texml.Config{
		"APIKey":  {},
		"BaseURL": {APIKey: "k", BaseURL: "ftp://h.example/v2"},
	} {
		_, err := texml.New(cfg)
		var pe *participant.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, field, pe.Field)
		assert.ErrorIs(t, err, participant.ErrInvalidArgument)
	}
}

// Defect 8: an API key with CR/LF or control characters was accepted,
// then every update failed as ErrUnavailable; New refuses it.
func TestNewRefusesControlCharactersInAPIKey(t *testing.T) {
	for _, bad := range []string{"KEY\r\nX-Injected: 1", "KEY\x00", "KEY\x7f", "KEY\u0085", "KEY\xff"} {
		_, err := texml.New(texml.Config{APIKey: bad})
		require.ErrorIs(t, err, participant.ErrInvalidArgument, "%q", bad)
		var pe *participant.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "APIKey", pe.Field)
		assert.Equal(t, participant.Op("config"), pe.Op)
		assert.NotContains(t, err.Error(), "KEY")
	}
}

func TestConfigNeverShowsSecrets(t *testing.T) {
	cfg := texml.Config{APIKey: "KEY-SECRET", Account: "acct-1"}
	for _, s := range []string{fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg), fmt.Sprintf("%v", &cfg)} {
		assert.NotContains(t, s, "SECRET")
		assert.Contains(t, s, "acct-1")
	}
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "SECRET")
}

const fuzzAccount = "0f4d2a9e-1c3b-4e5f-8a7b-6c5d4e3f2a1b"

func FuzzAnswers(f *testing.F) {
	conformance.FuzzAnswers(f, func(opts driver.Options) (participant.Updater, error) {
		return texml.New(texml.Config{APIKey: "k", Account: fuzzAccount, BaseURL: "http://carrier.invalid/v2", Options: opts})
	}, participant.Ref{Conference: "6c1d1f3e-93b2-4c43-b6e5-0f7b1d2c9a10", Call: "v3:abc"},
		`{"account_sid":"acct","call_sid":"v3:abc","muted":true,"status":"completed","date_updated":"Fri, 18 Feb 2011 21:07:19 +0000"}`,
		`{"errors":[{"code":"90019","title":"Conference has already ended","detail":"gone"}]}`)
}

// baseURL is the API root u sends to, reached through As.
func baseURL(t *testing.T, u participant.Updater) string {
	var d *httpdriver.Driver
	require.True(t, u.(*carrierkit.Client).As(&d), "As(**httpdriver.Driver)")
	return d.BaseURL()
}
