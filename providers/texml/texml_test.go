package texml_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/texml"
)

func TestNewConfig(t *testing.T) {
	c, err := texml.New(texml.Config{APIKey: "k"})
	require.NoError(t, err)
	assert.Equal(t, "https://api.telnyx.com/v2", c.BaseURL())
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
